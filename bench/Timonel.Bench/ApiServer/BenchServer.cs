using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// A `timonel server` process (the Release build of src/Timonel) on a free loopback port with its
/// data in a temporary folder, which dispose removes together with the process. Restart support
/// (Stop then StartAsync on the same folder) serves the start-time benchmark.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private Process? _process;

    private readonly string[] _extraArgs;

    private BenchServer(string dataDir, string[] extraArgs)
    {
        DataDir = dataDir;
        Port = FreePort();
        _extraArgs = extraArgs;
    }

    public string DataDir { get; }

    public int Port { get; private set; }

    public Uri Url => new($"https://127.0.0.1:{Port}");

    /// <summary>Process start to the first 200 of /readyz, of the latest start.</summary>
    public TimeSpan LastStart { get; private set; }

    public int Pid => _process?.Id ?? throw new InvalidOperationException("server not started");

    /// <summary>The built server; the bench is run from the repository root.</summary>
    public static string TimonelDll => Path.GetFullPath(".artifacts/bin/Timonel/release/timonel.dll");

    /// <summary>extraArgs go to `timonel server` after the data dir and port (e.g. --cluster-cidr).</summary>
    public static async Task<BenchServer> StartNewAsync(params string[] extraArgs)
    {
        var server = new BenchServer(Directory.CreateTempSubdirectory("timonel-bench-server-").FullName, extraArgs);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process and returns the time from process start to the first 200 of /readyz.</summary>
    public async Task<TimeSpan> StartAsync()
    {
        if (!File.Exists(TimonelDll))
        {
            throw new FileNotFoundException($"{TimonelDll} is missing: run `dotnet build src/Timonel -c Release` from the repository root");
        }
        Port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { TimonelDll, "server", "--data-dir", DataDir, "--https-listen-port", Port.ToString(CultureInfo.InvariantCulture) }.Concat(_extraArgs))
        {
            info.ArgumentList.Add(a);
        }
        // The readiness poller trusts any certificate: on a fresh folder the CA does not exist yet.
        using var poller = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = TimeSpan.FromSeconds(5) };
        ForwardServerEnvironment(info);
        var clock = Stopwatch.StartNew();
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start timonel server");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  server: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"timonel server exited with {_process.ExitCode}");
            }
            try
            {
                using var response = await poller.GetAsync(new Uri(Url, "/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    LastStart = clock.Elapsed;
                    return LastStart;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(5);
        }
        throw new TimeoutException("timonel server not ready after 60 s");
    }

    /// <summary>
    /// Runtime settings for the server alone: SERVER_DOTNET_X=V in the bench's environment becomes
    /// DOTNET_X=V in the server's (the bench and its probes keep their own settings).
    /// </summary>
    private static void ForwardServerEnvironment(ProcessStartInfo info)
    {
        foreach (var entry in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>())
        {
            var name = (string)entry.Key;
            if (name.StartsWith("SERVER_DOTNET_", StringComparison.Ordinal))
            {
                info.Environment[name["SERVER_".Length..]] = (string?)entry.Value;
            }
        }
    }

    /// <summary>A client that trusts the cluster CA and sends the admin token.</summary>
    public HttpClient Client(BenchHttp http, int connections) => ClientFor(Url, DataDir, http, connections);

    /// <summary>A client of the server at <paramref name="url"/> whose data dir is <paramref name="dataDir"/> (for a child process).</summary>
    public static HttpClient ClientFor(Uri url, string dataDir, BenchHttp http, int connections)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dataDir, "server", "tls", "ca.crt"));
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            if (cert is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(cert));
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = url,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = http == BenchHttp.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        client.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(dataDir, "server", "admin.token")).Trim());
        return client;
    }

    /// <summary>VmRSS of the server process in bytes (the `dotnet` host process is the server).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS in /proc status");
    }

    /// <summary>User plus system CPU time the server process has used so far.</summary>
    public TimeSpan CpuTime() => CpuTimes().User + CpuTimes().System;

    /// <summary>User and system CPU time the server process has used so far.</summary>
    public (TimeSpan User, TimeSpan System) CpuTimes()
    {
        // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // USER_HZ is 100 on Linux.
        return (TimeSpan.FromSeconds(long.Parse(fields[11], CultureInfo.InvariantCulture) / 100.0),
            TimeSpan.FromSeconds(long.Parse(fields[12], CultureInfo.InvariantCulture) / 100.0));
    }

    /// <summary>
    /// kill -9. SIGTERM would be the polite stop, but `timonel server` currently ignores it (see
    /// docs/benchmarks.md), so a restart here is a restart after a crash: SQLite recovers its WAL.
    /// </summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        Directory.Delete(DataDir, recursive: true);
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal enum BenchHttp
{
    Http11,
    Http2,
}
