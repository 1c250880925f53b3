using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Discovery;
using Timonel.ApiServer.OpenApi;
using Timonel.ApiServer.Rest;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Tables;
using Timonel.Storage;

namespace Timonel.ApiServer.Hosting;

/// <summary>
/// Builds and runs the API server: Kestrel on HTTPS only (HTTP/1.1 and HTTP/2), client
/// certificates accepted but not required, one terminal router for every request.
/// </summary>
public sealed class ApiServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly ApiContext _api;

    private ApiServerHost(WebApplication app, ServerCredentials credentials, ApiContext api)
    {
        _app = app;
        _api = api;
        Credentials = credentials;
    }

    public ServerCredentials Credentials { get; }

    public static async Task<ApiServerHost> StartAsync(ApiServerOptions options, IKeyValueStore store, ILoggerProvider? logs = null, CancellationToken ct = default)
    {
        var credentials = ServerCredentials.LoadOrCreate(options);
        var registry = ResourceRegistry.Builtin;
        var api = new ApiContext(registry, store, options);
        await Bootstrap.EnsureSystemObjectsAsync(api, ct);

        // The empty builder: the slim one adds appsettings.json with reload-on-change, whose watcher
        // registers every directory under the working directory with inotify.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddLogging(logging =>
        {
            if (logs is not null) logging.AddProvider(logs);
            logging.SetMinimumLevel(LogLevel.Warning);
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 3 * 1024 * 1024 + 4096;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            foreach (var address in options.ExtraBindAddresses.Prepend(options.BindAddress).Distinct())
            {
                kestrel.Listen(address, options.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = credentials.Certificates.Serving,
                        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                        // Client certificates are checked against the cluster CA by the authenticator.
                        ClientCertificateValidation = (_, _, _) => true,
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    });
                });
            }
        });
        var tables = new TableWriter(options.Time);
        builder.Services.AddSingleton(api);
        builder.Services.AddSingleton(new DiscoveryDocuments(registry, $"{options.BindAddress}:{options.Port}"));
        builder.Services.AddSingleton(new OpenApiDocuments(registry));
        builder.Services.AddSingleton(new Authenticator(credentials.Certificates, credentials.Tokens, credentials.ServiceAccounts,
            new ServiceAccountTokenBindings(api).StillValidAsync));
        var kubelets = new Proxy.KubeletConnections(credentials.KubeletClient, credentials.Certificates.Ca);
        builder.Services.AddSingleton(kubelets);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(sp =>
        {
            var pods = new Proxy.PodTargets(api);
            var streams = new Proxy.PodStreamProxy(pods, kubelets, sp.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>(), new Proxy.ProxyTargets(api, pods));
            return new ResourceHandler(api, tables, new AllowAuthenticated(), streams, credentials.ServiceAccounts);
        });
        builder.Services.AddSingleton(sp => new ApiRouter(api, sp.GetRequiredService<Authenticator>(), sp.GetRequiredService<ResourceHandler>(),
            sp.GetRequiredService<DiscoveryDocuments>(), sp.GetRequiredService<OpenApiDocuments>(), () => true, credentials.Certificates));
        var app = builder.Build();
        var router = app.Services.GetRequiredService<ApiRouter>();
        // pods/exec upgrades to a WebSocket (HTTP/1.1), relayed to the pod's agent.
        app.UseWebSockets();
        app.Run(router.HandleAsync);
        await app.StartAsync(ct);
        return new ApiServerHost(app, credentials, api);
    }

    public Task WaitForShutdownAsync(CancellationToken ct) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(stopping.Token);
        }
        await _api.DisposeCachesAsync();
        await _app.DisposeAsync();
    }
}
