using k8s.Models;
using Timonel.Client.Api;
using Timonel.Controllers.Tests.Lifecycle;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>
/// The Service load balancer controller in a real `timonel server --service-lb-pool`: addresses in
/// status.loadBalancer.ingress as kubectl shows them, requested addresses, an exhausted pool,
/// release and reuse, type and class changes, restarts, and a server without a pool.
/// </summary>
public sealed class LoadBalancerTests
{
    // Three addresses: a range of two and a /32.
    private const string Pool = "10.99.0.10-10.99.0.11,10.99.0.20/32";

    private static V1Service Service(string ns, string name, string? requestedIp = null, string? lbClass = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Type = "LoadBalancer",
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080 }],
            LoadBalancerIP = requestedIp,
            LoadBalancerClass = lbClass,
        },
    };

    private static async Task<string> AddressOfAsync(ApiConnection api, string ns, string name) =>
        await Wait.ForAsync($"{ns}/{name} gets a load balancer address", async () =>
            (await api.GetAsync<V1Service>(ns, name)).Value?.Status?.LoadBalancer?.Ingress is { Count: 1 } ingress
            && ingress[0].IpMode == "VIP" ? ingress[0].Ip : null);

    private static async Task<string> EventMessageAsync(ApiConnection api, string ns, string name, string reason) =>
        await Wait.ForAsync($"event {reason} on {ns}/{name}", async () =>
            (await api.ListAsync<Corev1Event>(ns, new ListOptions { FieldSelector = $"involvedObject.name={name}" })).Value?.Items
                .FirstOrDefault(e => e.Reason == reason && e.Source?.Component == "service-lb-controller")?.Message);

    private static async Task<string> NewNamespaceAsync(ApiConnection api)
    {
        var name = "lb-" + Guid.NewGuid().ToString("N")[..6];
        (await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } })).Require();
        return name;
    }

    [Fact]
    public async Task Services_get_pool_addresses_until_it_runs_out_and_a_released_address_goes_to_the_one_waiting()
    {
        await using var server = await ServerProcess.StartNewAsync("--service-lb-pool", Pool);
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        using var kubectl = new KubectlRunner(server);
        var ns = await NewNamespaceAsync(api);

        // A requested address of the pool is honoured; the others come in pool order around it.
        (await api.CreateAsync(Service(ns, "wanted", requestedIp: "10.99.0.11"))).Require();
        Assert.Equal("10.99.0.11", await AddressOfAsync(api, ns, "wanted"));
        (await api.CreateAsync(Service(ns, "first"))).Require();
        var first = await AddressOfAsync(api, ns, "first");
        (await api.CreateAsync(Service(ns, "second"))).Require();
        var second = await AddressOfAsync(api, ns, "second");
        Assert.Equal(["10.99.0.10", "10.99.0.20"], new[] { first, second });
        Assert.Equal($"Assigned IP [\"{first}\"]", await EventMessageAsync(api, ns, "first", "IPAllocated"));

        var (exit, table) = await kubectl.RunAsync("get", "svc", "first", "-n", ns);
        Assert.True(exit == 0, table);
        var row = table.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(("first", "LoadBalancer", first), (row[0], row[1], row[3]));
        Assert.Matches(@"^80:3\d{4}/TCP$", row[4]);

        // A requested address someone holds, one outside the pool, and an exhausted pool: pending with the reason.
        (await api.CreateAsync(Service(ns, "clash", requestedIp: first))).Require();
        Assert.Contains($"already in use by {ns}/first", await EventMessageAsync(api, ns, "clash", "AllocationFailed"));
        (await api.CreateAsync(Service(ns, "outside", requestedIp: "10.99.1.1"))).Require();
        Assert.Contains("not in the pool", await EventMessageAsync(api, ns, "outside", "AllocationFailed"));
        (await api.CreateAsync(Service(ns, "fourth"))).Require();
        Assert.Contains("no available IPs", await EventMessageAsync(api, ns, "fourth", "AllocationFailed"));
        (exit, table) = await kubectl.RunAsync("get", "svc", "fourth", "-n", ns);
        Assert.Contains("<pending>", table);

        // Another class is someone else's: never touched.
        (await api.CreateAsync(Service(ns, "foreign", lbClass: "example.com/other"))).Require();

        // Deleting a Service frees its address for the one waiting.
        (await api.DeleteAsync<V1Service>(ns, "second")).EnsureOk();
        Assert.Equal(second, await AddressOfAsync(api, ns, "fourth"));

        // A type change releases too, and clears the status this controller wrote.
        // (As upstream, a ClusterIP Service may keep neither nodePorts nor an external policy.)
        (await api.PatchAsync<V1Service>(ns, "first", PatchType.Merge,
            """{"spec":{"type":"ClusterIP","externalTrafficPolicy":null,"ports":[{"name":"http","port":80,"targetPort":8080}]}}""")).EnsureOk();
        await Wait.ForAsync("first's status cleared", async () =>
            (await api.GetAsync<V1Service>(ns, "first")).Value?.Status?.LoadBalancer?.Ingress is null or { Count: 0 });
        Assert.Equal(first, await AddressOfAsync(api, ns, "clash"));
        Assert.Null((await api.GetAsync<V1Service>(ns, "outside")).Require().Status?.LoadBalancer?.Ingress?.FirstOrDefault());
        Assert.Null((await api.GetAsync<V1Service>(ns, "foreign")).Require().Status?.LoadBalancer?.Ingress?.FirstOrDefault());

        // A Service that asks for another address lets the old one go to the Service waiting for it.
        (await api.DeleteAsync<V1Service>(ns, "fourth")).EnsureOk();
        (await api.CreateAsync(Service(ns, "wants-11", requestedIp: "10.99.0.11"))).Require();
        Assert.Contains($"already in use by {ns}/wanted", await EventMessageAsync(api, ns, "wants-11", "AllocationFailed"));
        (await api.PatchAsync<V1Service>(ns, "wanted", PatchType.Merge, """{"spec":{"loadBalancerIP":"10.99.0.20"}}""")).EnsureOk();
        Assert.Equal("10.99.0.11", await AddressOfAsync(api, ns, "wants-11"));
        Assert.Equal("10.99.0.20", await AddressOfAsync(api, ns, "wanted"));
    }

    [Fact]
    public async Task Addresses_stay_with_their_services_across_a_restart_and_new_ones_get_free_addresses()
    {
        await using var server = await ServerProcess.StartNewAsync("--service-lb-pool", Pool);
        string ns;
        var before = new Dictionary<string, string>();
        using (var api = ApiConnection.FromKubeconfig(server.Kubeconfig))
        {
            ns = await NewNamespaceAsync(api);
            foreach (var name in new[] { "a", "b" })
            {
                (await api.CreateAsync(Service(ns, name))).Require();
                before[name] = await AddressOfAsync(api, ns, name);
            }
            // Free the first address, so a controller that forgot would hand the lowest one out again.
            (await api.DeleteAsync<V1Service>(ns, "a")).EnsureOk();
            await Wait.GoneAsync<V1Service>(api, ns, "a");
        }

        server.Kill();
        await server.StartAsync();
        using (var api = ApiConnection.FromKubeconfig(server.Kubeconfig))
        {
            (await api.CreateAsync(Service(ns, "c"))).Require();
            (await api.CreateAsync(Service(ns, "d"))).Require();
            var c = await AddressOfAsync(api, ns, "c");
            var d = await AddressOfAsync(api, ns, "d");
            Assert.Equal(before["b"], await AddressOfAsync(api, ns, "b"));
            Assert.Equal(3, new[] { before["b"], c, d }.Distinct().Count());
            Assert.Equal(before["a"], c);
        }
    }

    [Fact]
    public async Task Without_a_pool_a_load_balancer_service_stays_pending_and_says_why()
    {
        await using var server = await ServerProcess.StartNewAsync();
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        using var kubectl = new KubectlRunner(server);
        var ns = await NewNamespaceAsync(api);
        (await api.CreateAsync(Service(ns, "web"))).Require();

        Assert.Contains("--service-lb-pool", await EventMessageAsync(api, ns, "web", "AllocationFailed"));
        var (exit, table) = await kubectl.RunAsync("get", "svc", "web", "-n", ns);
        Assert.True(exit == 0, table);
        Assert.Contains("<pending>", table);
    }

    [Fact]
    public async Task A_pool_that_does_not_parse_stops_the_server_with_the_reason()
    {
        var server = new ServerProcess(null, null, "--service-lb-pool", "10.99.0.20-10.99.0.10");
        await using (server)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);
            Assert.Contains("--service-lb-pool", server.Output + error.Message);
        }
    }
}
