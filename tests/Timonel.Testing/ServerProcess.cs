using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Timonel.Testing;

/// <summary>
/// A real `timonel server` process on a free loopback port with its own temp data dir. Kill and
/// Start can be called again (restart tests); Dispose kills it and removes the data dir.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private Process? _process;
    private readonly StringBuilder _output = new();

    public ServerProcess(string? dataDir = null, int? port = null, params string[] extraArgs)
    {
        DataDir = dataDir ?? Directory.CreateTempSubdirectory("timonel-e2e-").FullName;
        Port = port ?? FreePort();
        ExtraArgs = extraArgs;
    }

    public string DataDir { get; }
    public int Port { get; }
    public string[] ExtraArgs { get; }
    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig");
    public string Url => $"https://127.0.0.1:{Port}";
    public string Output { get { lock (_output) return _output.ToString(); } }
    public int? Pid => _process?.Id;

    public static async Task<ServerProcess> StartNewAsync(params string[] extraArgs)
    {
        var server = new ServerProcess(null, null, extraArgs);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { RepoPaths.TimonelDll, "server", "--data-dir", DataDir, "--https-listen-port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(ExtraArgs))
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start timonel server");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitReadyAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>An HttpClient that trusts the cluster CA and sends the admin token.</summary>
    public HttpClient AdminClient(bool withToken = true, X509Certificate2? clientCertificate = null)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(DataDir, "server", "tls", "ca.crt"));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
        {
            if (cert is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(cert));
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }
        var client = new HttpClient(handler) { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        if (withToken)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(DataDir, "server", "admin.token")).Trim());
        }
        return client;
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"timonel server exited with {_process.ExitCode}:\n{Output}");
            }
            if (File.Exists(Path.Combine(DataDir, "server", "tls", "ca.crt")) && File.Exists(Kubeconfig))
            {
                try
                {
                    using var client = AdminClient(withToken: false);
                    using var response = await client.GetAsync("/readyz");
                    if (response.StatusCode == HttpStatusCode.OK) return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"timonel server not ready after {timeout}:\n{Output}");
    }

    /// <summary>kill -9: no chance to flush or clean up.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the temp dir is unique to this run.
        }
        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
