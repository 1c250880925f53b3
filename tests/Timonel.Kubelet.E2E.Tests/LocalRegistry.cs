using System.Diagnostics;
using System.Net;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// Debian's docker-registry (distribution 2.8) serving plain HTTP on <see cref="Address"/> inside a
/// node's network namespace, with its storage in a temp directory; optionally behind htpasswd
/// basic auth. Disposal kills the process and removes its storage.
/// </summary>
internal sealed class LocalRegistry : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _process;

    private readonly string _listen;

    private readonly (string CertFile, string KeyFile)? _tls;

    private LocalRegistry(string netns, string listen, string address, string dir, (string CertFile, string KeyFile)? tls)
    {
        Netns = netns;
        _listen = listen;
        Address = address;
        _dir = dir;
        _tls = tls;
        Http = NetnsSockets.HttpClientInside(netns, trustAnyCertificate: tls is not null);
    }

    public string Netns { get; }

    /// <summary>host:port, which is also the registry part of image names pulled from it.</summary>
    public string Address { get; }

    /// <summary>A client that reaches the registry from the test process (its connections are made inside the namespace).</summary>
    public HttpClient Http { get; }

    public Uri BaseUri => new((_tls is null ? "http://" : "https://") + Address);

    /// <summary>Starts a registry listening on <paramref name="listen"/> (e.g. <c>:5000</c>) that the test reaches at <paramref name="address"/>.</summary>
    public static async Task<LocalRegistry> StartAsync(string netns, string listen, string address,
        (string User, string Password)? basicAuth = null, (string CertFile, string KeyFile)? tls = null)
    {
        var registry = new LocalRegistry(netns, listen, address, Directory.CreateTempSubdirectory("timonel-registry-").FullName, tls);
        try
        {
            await registry.StartAsync(basicAuth);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync((string User, string Password)? basicAuth)
    {
        var auth = "";
        if (basicAuth is { } credentials)
        {
            // distribution's htpasswd backend accepts bcrypt entries only.
            var entry = await Run.CheckedAsync("htpasswd", "-Bbn", credentials.User, credentials.Password);
            await File.WriteAllTextAsync(Path.Combine(_dir, "htpasswd"), entry);
            auth = $"""
                auth:
                  htpasswd:
                    realm: timonel-e2e
                    path: {Path.Combine(_dir, "htpasswd")}
                """;
        }
        var tlsConfig = _tls is { } tls ? $"  tls:\n    certificate: {tls.CertFile}\n    key: {tls.KeyFile}" : "";
        var config = Path.Combine(_dir, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(_dir, "data")}
            http:
              addr: "{_listen}"
            {tlsConfig}
            {auth}
            """);
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = false, RedirectStandardError = false };
        foreach (var arg in new[] { $"--net=/var/run/netns/{Netns}", "sh", "-c", "exec docker-registry serve \"$0\" >>\"$1\" 2>&1", config, Path.Combine(_dir, "registry.log") })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("docker-registry did not start");
        await Run.UntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {Log()}");
            }
            try
            {
                using var response = await Http.GetAsync(new Uri(BaseUri, "/v2/"));
                return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized ? "up" : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, "docker-registry to answer on " + Address, onTimeout: () => Task.FromResult(Log()));
    }

    public string Log()
    {
        var path = Path.Combine(_dir, "registry.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
