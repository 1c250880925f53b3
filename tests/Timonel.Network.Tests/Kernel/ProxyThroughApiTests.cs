using System.Net;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Network.ServiceProxy;
using Proxy = Timonel.Network.ServiceProxy.ServiceProxy;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// End to end: a real `timonel server`, Services and EndpointSlices written through the API, the
/// <see cref="ServiceProxy"/> runner (informers, debounced syncs) programming the lab's node
/// namespace with the real nft, and curl from a client host and a pod. Endpoints are written by
/// hand (a Service without selector), as no containers run here.
/// </summary>
public sealed class ProxyThroughApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Service_and_endpoint_slice_changes_reach_the_kernel_rules()
    {
        await using var server = await ServerProcess.StartNewAsync("--service-cidr", "10.96.0.0/16", "--disable-controllers");
        await using var lab = await NetLab.CreateAsync();
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        var proxy = new Proxy(api, "node-a", [IPAddress.Parse(NetLab.NodeAddress)], NetLab.ClusterCidr, lab.Nft,
            new ServiceProxyOptions { VerifyInterval = TimeSpan.FromSeconds(1) });
        using var stop = new CancellationTokenSource();
        var running = proxy.RunAsync(stop.Token);
        try
        {
            Ok(await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "demo" } }));
            Ok(await api.CreateAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "demo" },
                Spec = new V1ServiceSpec
                {
                    Type = "NodePort",
                    ClusterIP = "10.96.0.20",
                    Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = "web", NodePort = 30080 }],
                },
            }));
            var slice = Ok(await api.CreateAsync(new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "web-1",
                    NamespaceProperty = "demo",
                    Labels = new Dictionary<string, string> { [ServicePorts.ServiceNameLabel] = "web" },
                },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 80, Protocol = "TCP" }],
                Endpoints =
                [
                    new V1Endpoint { Addresses = [NetLab.PodA], NodeName = "node-a", Conditions = new V1EndpointConditions { Ready = true } },
                    new V1Endpoint { Addresses = [NetLab.PodB], NodeName = "node-a", Conditions = new V1EndpointConditions { Ready = true } },
                ],
            }));

            await EventuallyBothAnswer(lab.Client, "http://10.96.0.20/");
            await EventuallyBothAnswer(lab.Client, $"http://{NetLab.NodeAddress}:30080/");

            // Someone flushes the table: the periodic check rewrites it.
            var flushed = await NetLab.RunAsync("nsenter", ["--net=" + NetLab.PathOf(lab.Node), "nft", "flush", "table", "ip", "timonel"]);
            Assert.Equal(0, flushed.Exit);
            await EventuallyBothAnswer(lab.Client, "http://10.96.0.20/");

            // pod-b stops being ready: it gets no new connection.
            slice.Endpoints[1].Conditions.Ready = false;
            slice = Ok(await api.UpdateAsync(slice));
            await Eventually(async () => (await NetLab.AnswersAsync(lab.PodBNs, "http://10.96.0.20/", 20)) is { Count: 1 } a && a.ContainsKey("pod-a"), "only pod-a answers");

            // No endpoint left: refused at once.
            Ok(await api.DeleteAsync<V1EndpointSlice>("demo", "web-1"));
            await Eventually(async () => (await NetLab.CurlAsync(lab.Client, "http://10.96.0.20/")).Exit == 7, "connection refused");

            // The Service goes: its rules go with it.
            Ok(await api.DeleteAsync<V1Service>("demo", "web"));
            // (The API server's own `kubernetes` Service stays: its cluster IP keeps a reject entry.)
            await Eventually(() => Task.FromResult(proxy.Written is { } written && !written.ClusterIps.Contains("10.96.0.20")
                && !written.Chains.Keys.Any(c => c.Contains("demo/web/", StringComparison.Ordinal))), "rules of web removed");
            Assert.DoesNotContain("10.96.0.20", await lab.ListTableAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    private static T Ok<T>(ApiResult<T> result)
    {
        Assert.True(result.Ok, result.ToString());
        return result.Value!;
    }

    private static Task EventuallyBothAnswer(string ns, string url) =>
        Eventually(async () => (await NetLab.AnswersAsync(ns, url, 20)).Keys.Order().SequenceEqual(["pod-a", "pod-b"]), $"pod-a and pod-b answer {url}");

    /// <summary>Waits for a condition the proxy reaches asynchronously; not a timing assertion.</summary>
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never happened: {what}");
            await Task.Delay(100);
        }
    }
}
