namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>
/// <see cref="Timonel.Kubelet.Streaming.KubeletServerOptions.ConnectRuntime"/> for a test agent on
/// the host: containerd's streaming server listens on the node namespace's 127.0.0.1, so the
/// connection is made inside that namespace (<see cref="NetnsSockets"/>).
/// </summary>
internal static class NetnsConnector
{
    public static Func<Uri, CancellationToken, ValueTask<Stream>> For(string netns) => async (url, ct) =>
    {
        var socket = NetnsSockets.CreateInside(netns);
        try
        {
            await socket.ConnectAsync(url.Host, url.Port, ct);
            socket.NoDelay = true;
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
