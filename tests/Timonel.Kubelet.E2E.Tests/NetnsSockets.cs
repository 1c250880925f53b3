using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// TCP connections from the test process into a node's network namespace, which has no link to
/// the host: the socket is created while the calling thread has joined the namespace (setns), and
/// a socket stays in the namespace it was made in. The thread switches back before anything else
/// runs on it; nothing between the two setns calls awaits.
/// </summary>
internal static partial class NetnsSockets
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);

    /// <summary>
    /// An HttpClient whose every connection is made inside <paramref name="netns"/>; with
    /// <paramref name="trustAnyCertificate"/> it also talks to registries with self-signed certificates.
    /// </summary>
    public static HttpClient HttpClientInside(string netns, bool trustAnyCertificate = false) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = trustAnyCertificate ? (_, _, _, _) => true : null },
        ConnectCallback = async (context, ct) =>
        {
            var socket = CreateInside(netns);
            try
            {
                await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    /// <summary>A TCP socket in <paramref name="netns"/>, not yet connected.</summary>
    internal static Socket CreateInside(string netns)
    {
        using var target = File.OpenHandle("/var/run/netns/" + netns);
        using var original = File.OpenHandle("/proc/thread-self/ns/net");
        Enter(target);
        try
        {
            return new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        }
        finally
        {
            Enter(original);
        }
    }

    private static void Enter(SafeFileHandle ns)
    {
        if (SetNs(ns, CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
