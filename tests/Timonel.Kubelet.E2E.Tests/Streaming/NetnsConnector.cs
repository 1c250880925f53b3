using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>
/// Dials a TCP address inside a network namespace from this (host) process: the socket is created
/// on a thread that joined the namespace, and a socket stays in the namespace it was made in.
/// containerd's streaming server listens on the node namespace's 127.0.0.1.
/// </summary>
internal static partial class NetnsConnector
{
    private const int CloneNewNet = 0x40000000;

    public static Func<Uri, CancellationToken, ValueTask<Stream>> For(string netns) => async (url, ct) =>
    {
        var socket = CreateSocketIn(netns);
        try
        {
            await socket.ConnectAsync(url.Host, url.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    private static Socket CreateSocketIn(string netns)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/var/run/netns/{netns}");
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0) throw new IOException($"setns {netns}: errno {Marshal.GetLastPInvokeError()}");
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        // The thread that joined the namespace ends here; no other thread ever runs in it.
        return socket ?? throw failure!;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
