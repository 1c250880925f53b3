using System.Diagnostics;
using System.Net;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Client.Informers;
using Timonel.Network.LoadBalancer;
using Timonel.Network.ServiceProxy;
using Proxy = Timonel.Network.ServiceProxy.ServiceProxy;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// End to end: a real `timonel server --service-lb-pool` gives the Service its address; on each of
/// two node namespaces the <see cref="LoadBalancerAnnouncer"/> and the <see cref="ServiceProxy"/>
/// run from their own informers, as in an agent; a client on the same bridge reaches the address.
/// When the holding node stops being Ready, the other node takes over. Endpoints are written by
/// hand (a Service without selector): each node's own listener on 8080, with policy Local.
/// </summary>
public sealed class LoadBalancerThroughApiTests
{
    private const string LbIp = "192.168.78.200";

    [Fact]
    public async Task The_pool_address_answers_from_the_elected_node_and_moves_when_that_node_stops_being_ready()
    {
        await using var server = await ServerProcess.StartNewAsync("--service-cidr", "10.96.0.0/16", "--service-lb-pool", $"{LbIp}-{LbIp}");
        await using var lab = await L2Lab.CreateAsync();
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        using var stop = new CancellationTokenSource();
        var factories = new List<SharedInformerFactory>();
        var running = new List<Task>();
        try
        {
            foreach (var (node, ns) in lab.NodeNamespaces)
            {
                (await api.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node } })).Require();
                await SetReadyAsync(api, node, true);
                var informers = new SharedInformerFactory(api, TimeProvider.System);
                factories.Add(informers);
                var nodeIp = IPAddress.Parse(L2Lab.NodeAddresses[node]);
                var proxy = new Proxy(api, node, [nodeIp], "10.244.0.0/16", new NftProcessRunner(NetLab.PathOf(ns)), new ServiceProxyOptions { Informers = informers });
                var announcer = new LoadBalancerAnnouncer(informers, node, nodeIp, Path.Combine(lab.TempDir, "announcer-" + node), new LinkCommands(NetLab.PathOf(ns)));
                informers.Start();
                running.Add(proxy.RunAsync(stop.Token));
                running.Add(announcer.RunAsync(stop.Token));
            }
            (await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "demo" } })).Require();
            (await api.CreateAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "demo" },
                Spec = new V1ServiceSpec
                {
                    Type = "LoadBalancer",
                    ExternalTrafficPolicy = "Local",
                    Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080 }],
                },
            })).Require();
            (await api.CreateAsync(new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "web-1",
                    NamespaceProperty = "demo",
                    Labels = new Dictionary<string, string> { [ServicePorts.ServiceNameLabel] = "web" },
                },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
                Endpoints = [.. lab.NodeNamespaces.Keys.Select(n => new V1Endpoint
                {
                    Addresses = [L2Lab.NodeAddresses[n]],
                    NodeName = n,
                    Conditions = new V1EndpointConditions { Ready = true },
                })],
            })).Require();

            var nodes = lab.NodeNamespaces.Keys.ToList();
            var first = AnnouncerElection.Winner(LbIp, nodes)!;
            var second = nodes.Single(n => n != first);
            await Eventually(async () => (await NetLab.CurlAsync(lab.Client, $"http://{LbIp}/")).Body == first, $"{first} answers on {LbIp}");
            Assert.Equal(await L2Lab.MacAsync(lab.NodeNamespaces[first]), await lab.ClientNeighbourAsync(LbIp));

            await SetReadyAsync(api, first, false);
            var secondMac = await L2Lab.MacAsync(lab.NodeNamespaces[second]);
            // No request is sent meanwhile: only the new holder's gratuitous ARP can move the entry.
            await Eventually(async () => await lab.ClientNeighbourAsync(LbIp) == secondMac, "the client's neighbour entry moves to the second node");
            // Each agent applies on its own: the first one lets go when its informer sees the change.
            await Eventually(async () => !await L2Lab.HasAddressAsync(lab.NodeNamespaces[first], LbIp), "the first node lets the address go");
            var answer = await NetLab.CurlAsync(lab.Client, $"http://{LbIp}/");
            Assert.True(answer.Exit == 0, answer.Error);
            Assert.Equal(second, answer.Body);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var task in running)
            {
                await task;
            }
            foreach (var informers in factories)
            {
                await informers.DisposeAsync();
            }
        }
    }

    private static async Task SetReadyAsync(ApiConnection api, string node, bool ready)
    {
        var now = DateTime.UtcNow;
        var body = $$$"""{"status":{"conditions":[{"type":"Ready","status":"{{{(ready ? "True" : "False")}}}","reason":"Test","lastHeartbeatTime":"{{{now:yyyy-MM-ddTHH:mm:ssZ}}}","lastTransitionTime":"{{{now:yyyy-MM-ddTHH:mm:ssZ}}}"}]}}""";
        (await api.PatchAsync<V1Node>(null, node, PatchType.Merge, body, subresource: "status")).EnsureOk();
    }

    /// <summary>A liveness bound, not a speed assertion: failing after 30 s means it never happened.</summary>
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"not seen within 30 s: {what}");
            await Task.Delay(200);
        }
    }
}
