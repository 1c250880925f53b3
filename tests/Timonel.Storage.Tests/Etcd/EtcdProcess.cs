using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Storage.Tests.Etcd;

/// <summary>
/// A private single-member etcd on free loopback ports with its data in a temporary folder.
/// Disposing kills it and removes the folder; so does the end of this process, should a test
/// runner exit without disposing. Shared with bench/Timonel.Bench (linked source, no xunit here).
/// </summary>
public sealed class EtcdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly EventHandler _onExit;
    private int _disposed;

    private EtcdProcess(Process process, string dataDir, string clientUrl, X509Certificate2? serverCertificate)
    {
        ServerCertificate = serverCertificate;
        _process = process;
        DataDir = dataDir;
        ClientUrl = clientUrl;
        _onExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>The client URL, e.g. http://127.0.0.1:40123 (https with <c>tls</c>).</summary>
    public string ClientUrl { get; }

    /// <summary>The CPU time etcd has used so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The self-signed serving certificate when started with <c>tls</c>; clients trust exactly it.</summary>
    public X509Certificate2? ServerCertificate { get; }

    /// <summary>Accepts the server's own self-signed certificate and nothing else.</summary>
    public bool IsServerCertificate(X509Certificate? presented) =>
        ServerCertificate is not null && presented is not null && presented.GetCertHash().AsSpan().SequenceEqual(ServerCertificate.GetCertHash());

    /// <summary>The member's data folder (removed on dispose unless it was given by the caller).</summary>
    public string DataDir { get; }

    /// <summary>
    /// Starts etcd and waits until it reports healthy. <paramref name="dataDir"/> reuses an existing
    /// folder (which then survives dispose); by default a fresh temporary one is made.
    /// </summary>
    /// With <paramref name="tls"/>, clients reach it over HTTPS with a fresh self-signed certificate for 127.0.0.1.
    public static async Task<EtcdProcess> StartAsync(TimeSpan? progressNotifyInterval = null, string? dataDir = null, bool tls = false, CancellationToken cancellationToken = default)
    {
        var ownsDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("timonel-etcd-").FullName;
        var clientUrl = $"{(tls ? "https" : "http")}://127.0.0.1:{FreePort()}";
        var peerUrl = $"http://127.0.0.1:{FreePort()}";
        var info = new ProcessStartInfo("etcd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--name", "timonel-test",
            "--data-dir", Path.Combine(dataDir, "member-data"),
            "--listen-client-urls", clientUrl,
            "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl,
            "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"timonel-test={peerUrl}",
            "--logger", "zap",
            "--log-level", "error",
            "--experimental-watch-progress-notify-interval",
            $"{(int)(progressNotifyInterval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds}ms",
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var certificate = tls ? WriteServingCertificate(dataDir, info) : null;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var etcd = new EtcdProcess(process, dataDir, clientUrl, certificate) { OwnsDataDir = ownsDir };
        try
        {
            await etcd.WaitHealthyAsync(log, cancellationToken);
            return etcd;
        }
        catch
        {
            await etcd.DisposeAsync();
            throw;
        }
    }

    private bool OwnsDataDir { get; init; }

    private static X509Certificate2 WriteServingCertificate(string dataDir, ProcessStartInfo info)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=timonel-bench-etcd", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(dataDir, "server.crt");
        var keyFile = Path.Combine(dataDir, "server.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        foreach (var argument in new[] { "--cert-file", certFile, "--key-file", keyFile })
        {
            info.ArgumentList.Add(argument);
        }
        return certificate;
    }

    private async Task WaitHealthyAsync(System.Collections.Concurrent.ConcurrentQueue<string> log, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => IsServerCertificate(presented) },
        }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}: {string.Join('\n', log)}");
            }
            try
            {
                var body = await http.GetStringAsync($"{ClientUrl}/health", cancellationToken);
                if (body.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // slow first answer
            }
            await Task.Delay(50, cancellationToken);
        }
        throw new TimeoutException($"etcd did not become healthy: {string.Join('\n', log)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        if (OwnsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit -= _onExit;
            Kill();
            _process.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
