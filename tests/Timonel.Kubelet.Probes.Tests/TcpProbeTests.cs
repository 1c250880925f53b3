using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.Probes.Tests;

public sealed class TcpProbeTests
{
    private static Task<ProbeOutcome> ProbeAsync(int port) =>
        new TcpProbe(TimeProvider.System).RunAsync("127.0.0.1", new V1Container { Name = "app" },
            new V1TCPSocketAction { Port = port }, TimeSpan.FromSeconds(1), CancellationToken.None);

    [Fact]
    public async Task A_listening_port_passes_and_a_closed_one_fails_with_connection_refused()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Assert.Equal(ProbeResult.Success, (await ProbeAsync(port)).Result);
        }

        var closed = await ProbeAsync(port);

        Assert.Equal(ProbeOutcome.Failure($"dial tcp 127.0.0.1:{port}: connect: connection refused"), closed);
    }
}
