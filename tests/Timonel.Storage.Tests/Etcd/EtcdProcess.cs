using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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

    private EtcdProcess(Process process, string dataDir, string clientUrl)
    {
        _process = process;
        DataDir = dataDir;
        ClientUrl = clientUrl;
        _onExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>The client URL, e.g. http://127.0.0.1:40123.</summary>
    public string ClientUrl { get; }

    /// <summary>The member's data folder (removed on dispose unless it was given by the caller).</summary>
    public string DataDir { get; }

    /// <summary>
    /// Starts etcd and waits until it reports healthy. <paramref name="dataDir"/> reuses an existing
    /// folder (which then survives dispose); by default a fresh temporary one is made.
    /// </summary>
    public static async Task<EtcdProcess> StartAsync(TimeSpan? progressNotifyInterval = null, string? dataDir = null, CancellationToken cancellationToken = default)
    {
        var ownsDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("timonel-etcd-").FullName;
        var clientUrl = $"http://127.0.0.1:{FreePort()}";
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
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var etcd = new EtcdProcess(process, dataDir, clientUrl) { OwnsDataDir = ownsDir };
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

    private async Task WaitHealthyAsync(System.Collections.Concurrent.ConcurrentQueue<string> log, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
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
