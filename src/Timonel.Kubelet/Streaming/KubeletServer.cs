using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// The agent's HTTPS endpoint (the kubelet's port 10250), which the API server calls for
/// pods/log, exec, attach and portforward: <c>GET /containerLogs/{ns}/{pod}/{container}</c>,
/// <c>/exec/{ns}/{pod}/{container}?command=..</c> and <c>/attach/{ns}/{pod}/{container}</c>
/// (WebSocket), <c>/portForward/{ns}/{pod}[/{uid}]</c> (SPDY/3.1 upgrade), and
/// <c>/podProxy/{ns}/{pod}/{uid}/{scheme}/{port}/..</c> for pods/proxy and services/proxy
/// (<see cref="PodProxyEndpoint"/>). Only the API server's kubelet
/// client (or system:masters) gets in; see <see cref="KubeletAuth"/>.
/// </summary>
public sealed class KubeletServer : IAsyncDisposable
{
    private readonly KubeletServerOptions _options;
    private readonly KubeletAuth _auth;
    private readonly KubeletEndpoints _endpoints;
    private readonly PortForwardEndpoint _portForward;
    private readonly IContainerLocator _locator;
    private readonly ILogger _logger;
    private PodProxyEndpoint? _podProxy;
    private WebApplication? _app;

    public KubeletServer(KubeletServerOptions options, IContainerLocator locator, CriClient cri, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        _options = options;
        _auth = new KubeletAuth(options.ClientCa);
        var logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<KubeletServer>();
        _endpoints = new KubeletEndpoints(locator, cri, options.ConnectRuntime, new ContainerLogReader(time ?? TimeProvider.System), logger);
        _portForward = new PortForwardEndpoint(cri, options.ConnectRuntime, logger);
        _locator = locator;
        _logger = logger;
    }

    /// <summary>The port listened on (the chosen one when the options said 0); valid after <see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        // The empty builder: the slim one adds appsettings.json with reload-on-change, whose watcher
        // registers every directory under the working directory with inotify.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddLogging();
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(_options.BindAddress, _options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = _options.ServingCertificate;
                    // Checked by KubeletAuth, so a missing or foreign certificate is a 401, not a failed handshake.
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            });
        });
        var app = builder.Build();
        _podProxy = new PodProxyEndpoint(_locator, app.Services.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>(), _logger);
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync(ct);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = int.Parse(address[(address.LastIndexOf(':') + 1)..].TrimEnd('/'), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var (outcome, user) = _auth.Check(await context.Connection.GetClientCertificateAsync(context.RequestAborted));
        if (outcome == KubeletAuth.Outcome.Unauthenticated)
        {
            await KubeletEndpoints.WriteTextAsync(context, 401, "Unauthorized");
            return;
        }
        var segments = context.Request.Path.Value!.Trim('/').Split('/');
        if (outcome == KubeletAuth.Outcome.Forbidden)
        {
            await KubeletEndpoints.WriteTextAsync(context, 403, $"Forbidden (user={user}, verb={(HttpMethods.IsGet(context.Request.Method) ? "get" : "create")}, resource=nodes, subresource(s)=[proxy])");
            return;
        }
        switch (segments)
        {
            case ["containerLogs", var ns, var pod, var container] when HttpMethods.IsGet(context.Request.Method):
                await _endpoints.LogsAsync(context, ns, pod, container);
                break;
            case ["exec", var ns, var pod, var container] when HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsPost(context.Request.Method):
                await _endpoints.StreamAsync(context, ns, pod, container, attach: false);
                break;
            case ["attach", var ns, var pod, var container] when HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsPost(context.Request.Method):
                await _endpoints.StreamAsync(context, ns, pod, container, attach: true);
                break;
            case ["portForward", var ns, var pod, .. var rest] when rest.Length <= 1 && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsPost(context.Request.Method)):
                await _portForward.ServeAsync(context, ns, pod, rest.FirstOrDefault());
                break;
            case ["podProxy", var ns, var pod, var uid, var scheme, var port, ..]:
                await _podProxy!.ServeAsync(context, ns, pod, uid, scheme, port);
                break;
            case ["healthz"]:
                await KubeletEndpoints.WriteTextAsync(context, 200, "ok");
                break;
            default:
                await KubeletEndpoints.WriteTextAsync(context, 404, "404 page not found");
                break;
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_app is { } app) await app.StopAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
        _podProxy?.Dispose();
    }
}
