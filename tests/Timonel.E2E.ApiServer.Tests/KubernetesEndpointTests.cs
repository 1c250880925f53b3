namespace Timonel.E2E.ApiServer.Tests;

/// <summary>
/// The `kubernetes` Service's Endpoints and EndpointSlice point at the running server: written
/// again at every start, so a server restarted on another port (or address) is still reachable
/// from pods through 10.43.0.1:443.
/// </summary>
public sealed class KubernetesEndpointTests
{
    [Fact]
    public async Task A_restart_on_another_port_moves_the_kubernetes_endpoints()
    {
        var first = new ServerProcess();
        await using var cleanup = first;
        await first.StartAsync();
        using (var kubectl = new Kubectl(first))
        {
            Assert.Equal($"127.0.0.1:{first.Port}", await EndpointAsync(kubectl));
        }
        first.Kill();

        var second = new ServerProcess(first.DataDir, ServerProcess.FreePort());
        try
        {
            await second.StartAsync();
            using var kubectl = new Kubectl(second);

            Assert.Equal($"127.0.0.1:{second.Port}", await EndpointAsync(kubectl));
            var slice = await kubectl.RunAsync("get", "endpointslice", "kubernetes", "-n", "default", "-o", "jsonpath={.endpoints[0].addresses[0]}:{.ports[0].port}");
            Assert.Equal($"127.0.0.1:{second.Port}", slice.Stdout);
        }
        finally
        {
            second.Kill();
        }
    }

    private static async Task<string> EndpointAsync(Kubectl kubectl)
    {
        var r = await kubectl.RunAsync("get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}");
        Assert.True(r.ExitCode == 0, r.All);
        return r.Stdout;
    }
}
