using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Network.Ingress;

/// <summary>
/// Kestrel on the ingress ports: plain HTTP/1.1 on <see cref="IngressOptions.HttpPort"/>, and TLS
/// with HTTP/2 and HTTP/1.1 on <see cref="IngressOptions.HttpsPort"/>, the certificate picked per
/// connection by SNI from the current <see cref="IngressCertificates"/>. Both ports serve the same
/// routes. A port that cannot be bound fails <see cref="StartAsync"/>.
/// </summary>
public sealed class IngressServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IngressServer(WebApplication app) => _app = app;

    public static async Task<IngressServer> StartAsync(IngressOptions options, Func<IngressRouteTable> table, Func<IngressCertificates> certificates, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.ListenAddress, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(options.ListenAddress, options.HttpsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = hello => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificates().Select(hello.ClientHelloInfo.ServerName),
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    }),
                });
            });
        });
        builder.Services.AddSingleton(options.Loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var logger = options.Loggers.CreateLogger("timonel.network.ingress");
        var client = IngressRequestHandler.CreateClient(options.ConnectTimeout);
        var handler = new IngressRequestHandler(table, app.Services.GetRequiredService<IHttpForwarder>(), client, options.MaxAttempts, logger);
        app.Run(handler.HandleAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            client.Dispose();
            throw;
        }
        app.Lifetime.ApplicationStopped.Register(client.Dispose);
        IngressLog.Listening(logger, options.ListenAddress.ToString(), options.HttpPort, options.HttpsPort);
        return new IngressServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
