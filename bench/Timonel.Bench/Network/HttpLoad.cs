using System.Diagnostics;
using System.Globalization;
using Timonel.Bench.Storage;

namespace Timonel.Bench.Network;

/// <summary>One measurement of <see cref="HttpLoad"/>: counted successes per second, failures, and this process's CPU per success.</summary>
internal readonly record struct HttpLoadResult(double PerSecond, long Errors, double CpuMicrosPerRequest);

/// <summary>
/// The load generator of the ingress benchmarks: C keep-alive HTTP/1.1 connections issuing GETs
/// back to back; only answers completed within the S counted seconds after a warm-up count, and
/// a non-2xx answer or a failed request is an error. `http-load` (hidden; ingress-cluster runs it
/// inside a node's network namespace) prints one line: `requests/s=X errors=N cpu-us-per-request=Y`.
/// </summary>
internal static class HttpLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var url = new Uri(flags.String("url", ""));
        var host = flags.String("host", "");
        var seconds = flags.Int("seconds", 4);
        var connections = flags.Int("connections", 16);
        var warmup = flags.Int("warmup-seconds", 1);
        flags.CheckAllUsed();
        var result = await MeasureAsync(url, host.Length == 0 ? null : host, connections, seconds, warmup);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests/s={result.PerSecond:F1} errors={result.Errors} cpu-us-per-request={result.CpuMicrosPerRequest:F1}"));
        return 0;
    }

    public static async Task<HttpLoadResult> MeasureAsync(Uri url, string? host, int connections, int seconds, int warmup)
    {
        using var client = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = connections, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) });
        long counted = 0, errors = 0;
        var counting = false;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (host is not null)
                {
                    request.Headers.Host = host;
                }
                try
                {
                    using var response = await client.SendAsync(request, CancellationToken.None);
                    await using var stream = await response.Content.ReadAsStreamAsync();
                    while (await stream.ReadAsync(buffer) > 0)
                    {
                    }
                    if (Volatile.Read(ref counting))
                    {
                        Interlocked.Increment(ref response.IsSuccessStatusCode ? ref counted : ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        using var self = Process.GetCurrentProcess();
        Volatile.Write(ref counting, true);
        var started = Stopwatch.GetTimestamp();
        var cpuBefore = self.TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref counting, false);
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var total = Interlocked.Read(ref counted);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        return new HttpLoadResult(total / elapsed, Interlocked.Read(ref errors), cpu / Math.Max(1, total));
    }
}
