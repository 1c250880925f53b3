using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>What an exec gave back: the output streams and the channel-3 Status JSON.</summary>
internal sealed record ExecOutcome(string Stdout, string Stderr, string Status);

/// <summary>An HTTPS and WebSocket client of the agent's endpoint, as the API server calls it.</summary>
internal sealed class StreamingClient(int port, X509Certificate2 ca, X509Certificate2? clientCertificate)
{
    public Uri BaseUri { get; } = new($"https://127.0.0.1:{port}/");

    public HttpClient Http() => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && ChainsTo(c, ca),
        },
    }) { BaseAddress = BaseUri, Timeout = TimeSpan.FromMinutes(2) };

    public async Task<ExecOutcome> ExecAsync(string protocol, string path, byte[] stdin, bool closeStdin, CancellationToken ct, string? resize = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.AddSubProtocol(protocol);
        if (clientCertificate is not null) socket.Options.ClientCertificates.Add(clientCertificate);
        socket.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && ChainsTo(c, ca);
        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{port}/{path}"), ct);
        Assert.Equal(protocol, socket.SubProtocol);

        if (resize is not null)
        {
            var (message, type) = ChannelProtocol.Encode(protocol, ChannelProtocol.Resize, Encoding.UTF8.GetBytes(resize));
            await socket.SendAsync(message, type, true, ct);
        }
        if (stdin.Length > 0)
        {
            var (message, type) = ChannelProtocol.Encode(protocol, ChannelProtocol.Stdin, stdin);
            await socket.SendAsync(message, type, true, ct);
        }
        if (closeStdin)
        {
            await socket.SendAsync(new byte[] { ChannelProtocol.Close, ChannelProtocol.Stdin }, WebSocketMessageType.Binary, true, ct);
        }
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var status = "";
        while (await ChannelProtocol.ReceiveAsync(socket, ct) is { } received)
        {
            var (channel, data) = ChannelProtocol.Decode(protocol, received.Data)!.Value;
            var text = Encoding.UTF8.GetString(data);
            switch (channel)
            {
                case ChannelProtocol.Stdout: stdout.Append(text); break;
                case ChannelProtocol.Stderr: stderr.Append(text); break;
                case ChannelProtocol.Error: status += text; break;
            }
        }
        if (socket.State == WebSocketState.CloseReceived) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        return new ExecOutcome(stdout.ToString(), stderr.ToString(), status);
    }

    public static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }
}
