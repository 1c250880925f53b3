using System.Diagnostics;
using System.Net;
using System.Text;

namespace Timonel.Bench.ApiServer;

/// <summary>The ConfigMap requests every API server benchmark sends, and the statistics they print.</summary>
internal static class ConfigMaps
{
    /// <summary>A ConfigMap whose one data value makes it about <paramref name="valueBytes"/> bytes.</summary>
    public static byte[] Body(string ns, string name, int valueBytes) =>
        Encoding.UTF8.GetBytes(
            $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}"},"data":{"v":"{{{new string('x', valueBytes)}}}"}}""");

    public static string Path(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    public static async Task CreateNamespaceAsync(HttpClient client, string ns)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}"""));
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync("/api/v1/namespaces", content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"namespace {ns}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>POSTs one ConfigMap; anything but 201 is a broken benchmark, not a data point.</summary>
    public static async Task CreateAsync(HttpClient client, string ns, string name, int valueBytes)
    {
        using var content = new ByteArrayContent(Body(ns, name, valueBytes));
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync(Path(ns), content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"create {ns}/{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Creates names prefix0..prefix(count-1) with <paramref name="concurrency"/> requests in flight.</summary>
    public static async Task<TimeSpan> FillAsync(HttpClient client, string ns, string prefix, int count, int valueBytes, int concurrency)
    {
        var clock = Stopwatch.StartNew();
        long next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await CreateAsync(client, ns, prefix + i, valueBytes);
                if ((i + 1) % 20_000 == 0)
                {
                    Console.Error.WriteLine($"  {i + 1} created, {clock.Elapsed.TotalSeconds:F0} s");
                }
            }
        }));
        return clock.Elapsed;
    }

    public static double PercentileMs(IReadOnlyList<double> sortedMs, double p) =>
        sortedMs.Count == 0 ? double.NaN : sortedMs[(int)Math.Min(sortedMs.Count - 1, p * sortedMs.Count)];

    public static double Ms(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;
}
