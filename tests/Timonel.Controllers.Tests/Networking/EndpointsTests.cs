using k8s.Models;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>The Endpoints and EndpointSlice controllers follow the pods a Service selects.</summary>
public sealed class EndpointsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static V1Pod Pod(string ns, string name, string app, params V1ContainerPort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec
        {
            NodeName = "node-a",
            Containers = [new V1Container { Name = "c", Image = "busybox", Ports = ports }],
        },
    };

    private static V1Service Service(string ns, string name, string app, bool headless = false, bool publishNotReady = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["team"] = "blue" } },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = app },
            ClusterIP = headless ? "None" : null,
            PublishNotReadyAddresses = publishNotReady,
            Ports =
            [
                new V1ServicePort { Name = "http", Port = 80, TargetPort = "web" },
                new V1ServicePort { Name = "metrics", Port = 9100, TargetPort = 9100 },
            ],
        },
    };

    private async Task<V1Endpoints?> EndpointsAsync(string ns, string name)
    {
        var result = await cluster.Api.GetAsync<V1Endpoints>(ns, name);
        return result.Ok ? result.Value : null;
    }

    private async Task<IReadOnlyList<V1EndpointSlice>> SlicesAsync(string ns, string service) =>
        (await cluster.Api.ListAsync<V1EndpointSlice>(ns, new Timonel.Client.Api.ListOptions { LabelSelector = "kubernetes.io/service-name=" + service })).Require().Items;

    private static IEnumerable<string> Ips(IEnumerable<V1EndpointAddress>? addresses) => (addresses ?? []).Select(a => a.Ip).Order(StringComparer.Ordinal);

    [Fact]
    public async Task Endpoints_list_ready_and_not_ready_pods_with_named_ports_resolved_per_pod()
    {
        var ns = await cluster.NewNamespaceAsync("ep");
        var webPort = new V1ContainerPort { Name = "web", ContainerPort = 8080 };
        var a = (await cluster.Api.CreateAsync(Pod(ns, "a", "shop", webPort))).Require();
        var b = (await cluster.Api.CreateAsync(Pod(ns, "b", "shop", webPort))).Require();
        var c = (await cluster.Api.CreateAsync(Pod(ns, "c", "shop"))).Require(); // no "web" port
        (await cluster.Api.CreateAsync(Pod(ns, "other", "cart", webPort))).Require();
        await cluster.SetRunningAsync(a, "10.42.0.11", ready: true);
        await cluster.SetRunningAsync(b, "10.42.0.12", ready: false);
        await cluster.SetRunningAsync(c, "10.42.0.13", ready: true);
        (await cluster.Api.CreateAsync(Service(ns, "shop", "shop"))).Require();

        var ep = await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "shop"),
            e => e?.Subsets?.Sum(s => (s.Addresses?.Count ?? 0) + (s.NotReadyAddresses?.Count ?? 0)) == 3, "three addresses");
        Assert.Equal("endpoint-controller", ep!.Metadata.Labels["endpoints.kubernetes.io/managed-by"]);
        Assert.Equal("blue", ep.Metadata.Labels["team"]);
        // a and b serve both ports (http resolved to 8080), c only metrics: two subsets.
        var both = Assert.Single(ep.Subsets, s => s.Ports.Count == 2);
        Assert.Equal(["10.42.0.11"], Ips(both.Addresses));
        Assert.Equal(["10.42.0.12"], Ips(both.NotReadyAddresses));
        Assert.Contains(both.Ports, p => p.Name == "http" && p.Port == 8080);
        Assert.Contains(both.Ports, p => p.Name == "metrics" && p.Port == 9100);
        var metricsOnly = Assert.Single(ep.Subsets, s => s.Ports.Count == 1);
        Assert.Equal(["10.42.0.13"], Ips(metricsOnly.Addresses));
        var address = both.Addresses.Single();
        Assert.Equal("node-a", address.NodeName);
        Assert.Equal(("Pod", "a", a.Metadata.Uid), (address.TargetRef.Kind, address.TargetRef.Name, address.TargetRef.Uid));

        // b turns ready; a is deleted.
        await cluster.SetRunningAsync(b, "10.42.0.12", ready: true);
        await cluster.ForceDeleteAsync(a);
        ep = await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "shop"),
            e => e?.Subsets?.SingleOrDefault(s => s.Ports.Count == 2) is { } s && Ips(s.Addresses).SequenceEqual(["10.42.0.12"]) && s.NotReadyAddresses is null,
            "b ready, a gone");

        // The slices say the same, with conditions per endpoint.
        var slices = await ClusterFixture.EventuallyAsync(() => SlicesAsync(ns, "shop"),
            s => s.Sum(x => x.Endpoints?.Count ?? 0) == 2 && s.SelectMany(x => x.Endpoints).All(e => e.Conditions.Ready == true), "two ready slice endpoints");
        foreach (var slice in slices)
        {
            Assert.Equal("endpointslice-controller.k8s.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
            Assert.Equal("IPv4", slice.AddressType);
            var owner = Assert.Single(slice.Metadata.OwnerReferences);
            Assert.Equal(("Service", "shop", true), (owner.Kind, owner.Name, owner.Controller));
        }
        var twoPorts = Assert.Single(slices, s => s.Ports.Count == 2);
        Assert.Equal("10.42.0.12", Assert.Single(twoPorts.Endpoints).Addresses.Single());
        Assert.Contains(twoPorts.Ports, p => p.Name == "http" && p.Port == 8080);
    }

    [Fact]
    public async Task Slices_mark_not_ready_and_terminating_endpoints_and_change_in_place()
    {
        var ns = await cluster.NewNamespaceAsync("eps");
        var webPort = new V1ContainerPort { Name = "web", ContainerPort = 8080 };
        (await cluster.Api.CreateAsync(Service(ns, "api", "api"))).Require();
        var pods = new List<V1Pod>();
        for (var i = 0; i < 3; i++)
        {
            var pod = (await cluster.Api.CreateAsync(Pod(ns, $"p{i}", "api", webPort))).Require();
            await cluster.SetRunningAsync(pod, $"10.42.1.{i + 1}", ready: i != 2);
            pods.Add(pod);
        }
        var slice = Assert.Single(await ClusterFixture.EventuallyAsync(() => SlicesAsync(ns, "api"),
            s => s.Count == 1 && s[0].Endpoints?.Count == 3, "one slice of three"));
        var notReady = Assert.Single(slice.Endpoints, e => e.Conditions.Ready != true);
        Assert.Equal(("10.42.1.3", false, false), (notReady.Addresses.Single(), notReady.Conditions.Serving, notReady.Conditions.Terminating));

        // A terminating pod stays listed, not ready, terminating; the slice is the same object.
        var deleting = (await cluster.Api.DeleteAsync<V1Pod>(ns, "p0")).Value;
        Assert.NotNull(deleting?.Metadata.DeletionTimestamp); // bound to a node: waits for its kubelet
        var after = Assert.Single(await ClusterFixture.EventuallyAsync(() => SlicesAsync(ns, "api"),
            s => s.Count == 1 && s[0].Endpoints.Any(e => e.Conditions.Terminating == true), "terminating endpoint"));
        Assert.Equal(slice.Metadata.Uid, after.Metadata.Uid);
        var terminating = Assert.Single(after.Endpoints, e => e.Conditions.Terminating == true);
        Assert.Equal(("10.42.1.1", false, true), (terminating.Addresses.Single(), terminating.Conditions.Ready, terminating.Conditions.Serving));

        // Endpoints leave terminating pods out.
        var ep = await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "api"),
            e => e?.Subsets is { Count: 1 } s && Ips(s[0].Addresses).SequenceEqual(["10.42.1.2"]), "terminating pod left out");
        Assert.Equal(["10.42.1.3"], Ips(ep!.Subsets[0].NotReadyAddresses));
    }

    [Fact]
    public async Task Publish_not_ready_and_headless_services_list_every_pod_as_ready()
    {
        var ns = await cluster.NewNamespaceAsync("eph");
        var webPort = new V1ContainerPort { Name = "web", ContainerPort = 8080 };
        var pod = Pod(ns, "db-0", "db", webPort);
        pod.Spec.Hostname = "db-0";
        pod.Spec.Subdomain = "db";
        pod = (await cluster.Api.CreateAsync(pod)).Require();
        await cluster.SetRunningAsync(pod, "10.42.2.1", ready: false);
        (await cluster.Api.CreateAsync(Service(ns, "db", "db", headless: true, publishNotReady: true))).Require();
        (await cluster.Api.CreateAsync(Service(ns, "db-strict", "db", headless: true))).Require();

        var ep = await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "db"), e => e?.Subsets?.Count == 1, "db endpoints");
        Assert.True(ep!.Metadata.Labels.ContainsKey("service.kubernetes.io/headless"));
        var address = Assert.Single(ep.Subsets[0].Addresses);
        Assert.Equal(("10.42.2.1", "db-0"), (address.Ip, address.Hostname));
        Assert.Null(ep.Subsets[0].NotReadyAddresses);

        var strict = await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "db-strict"), e => e?.Subsets?.Count == 1, "db-strict endpoints");
        Assert.Null(strict!.Subsets[0].Addresses);
        Assert.Equal("10.42.2.1", Assert.Single(strict.Subsets[0].NotReadyAddresses).Ip);

        var slice = Assert.Single(await ClusterFixture.EventuallyAsync(() => SlicesAsync(ns, "db"), s => s.Count == 1 && s[0].Endpoints?.Count == 1, "db slice"));
        Assert.Equal((true, false), (slice.Endpoints[0].Conditions.Ready, slice.Endpoints[0].Conditions.Serving));
        Assert.True(slice.Metadata.Labels.ContainsKey("service.kubernetes.io/headless"));
    }

    [Fact]
    public async Task A_service_without_selector_keeps_its_own_endpoints_and_a_deleted_service_loses_them()
    {
        var ns = await cluster.NewNamespaceAsync("epm");
        (await cluster.Api.CreateAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "external", NamespaceProperty = ns },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 5432 }] },
        })).Require();
        (await cluster.Api.CreateAsync(new V1Endpoints
        {
            Metadata = new V1ObjectMeta { Name = "external", NamespaceProperty = ns },
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "192.0.2.10" }], Ports = [new Corev1EndpointPort { Port = 5432 }] }],
        })).Require();
        (await cluster.Api.CreateAsync(Service(ns, "web", "web"))).Require();
        await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "web"), e => e is not null, "web endpoints (empty)");
        var placeholder = Assert.Single(await ClusterFixture.EventuallyAsync(() => SlicesAsync(ns, "web"), s => s.Count == 1, "placeholder slice"));
        Assert.Empty(placeholder.Endpoints ?? []);

        (await cluster.Api.DeleteAsync<V1Service>(ns, "web")).EnsureOk();
        await ClusterFixture.EventuallyAsync(() => EndpointsAsync(ns, "web"), e => e is null, "web endpoints deleted");
        await ClusterFixture.EventuallyAsync(() => SlicesAsync(ns, "web"), s => s.Count == 0, "web slices deleted");
        var external = await EndpointsAsync(ns, "external");
        Assert.Equal("192.0.2.10", external!.Subsets.Single().Addresses.Single().Ip);
        Assert.Empty(await SlicesAsync(ns, "external"));
    }
}
