using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Probes.Tests;

/// <summary>
/// An in-process Kestrel on 127.0.0.1 (an ephemeral port; HTTPS with a throw-away self-signed
/// certificate, or plaintext HTTP/2 for gRPC) with the endpoints the probe and hook tests call.
/// Every request's path and headers are recorded.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public ConcurrentQueue<(string Path, Dictionary<string, string> Headers)> Requests { get; } = new();

    public static async Task<LoopbackServer> StartAsync(bool https = false, bool http2Only = false, Action<WebApplicationBuilder>? services = null, Action<WebApplication>? routes = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = http2Only ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
            if (https)
            {
                listen.UseHttps(SelfSigned());
            }
        }));
        services?.Invoke(builder);
        var app = builder.Build();
        var server = new LoopbackServer(app);
        app.Use(async (context, next) =>
        {
            // Kestrel reuses header collections after the response: keep a copy.
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            server.Requests.Enqueue((context.Request.Path + context.Request.QueryString, headers));
            await next(context);
        });
        server.MapDefaults(app);
        routes?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        await server.WarmUpAsync(https, http2Only);
        return server;
    }

    /// <summary>
    /// One request before the tests' own: the first request JIT-compiles the server's pipeline,
    /// which on a loaded machine can take longer than a probe's 1 s timeout.
    /// </summary>
    private async Task WarmUpAsync(bool https, bool http2Only)
    {
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler)
        {
            DefaultRequestVersion = http2Only ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.GetAsync(new Uri($"{(https ? "https" : "http")}://127.0.0.1:{Port}/ok"));
        response.EnsureSuccessStatusCode();
        while (Requests.TryDequeue(out _))
        {
        }
    }

    private void MapDefaults(WebApplication app)
    {
        app.MapGet("/ok", () => "ok");
        // 204 and 304 must have no body.
        app.MapGet("/status/{code:int}", (int code) => code is 204 or 304 ? Results.StatusCode(code) : Results.Text($"status {code}", statusCode: code));
        app.MapGet("/echo", (HttpRequest r) =>
            $"ua={r.Headers.UserAgent};accept={r.Headers.Accept};custom={r.Headers["X-Custom"]};host={r.Host}");
        app.MapGet("/redirect/same", () => Results.Redirect("/ok"));
        app.MapGet("/redirect/other", () => Results.Redirect($"http://localhost:{Port}/status/500"));
        app.MapGet("/redirect/loop", () => Results.Redirect("/redirect/loop"));
        app.MapGet("/slow", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return "late";
        });
        app.MapGet("/big", () => new string('x', 1024 * 1024));
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
