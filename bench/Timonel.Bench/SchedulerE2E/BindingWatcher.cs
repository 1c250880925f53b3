using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Timonel.Bench.SchedulerE2E;

/// <summary>
/// One watch on the benchmark namespace's pods: records when each measured pod is first seen with
/// spec.nodeName set, and samples the bound count once per second.
/// </summary>
internal sealed class BindingWatcher(HttpClient client, string ns, Func<string, bool> measured)
{
    private readonly ConcurrentDictionary<string, long> _boundAt = new(StringComparer.Ordinal);
    private readonly List<int> _samples = [];

    public int Bound => _boundAt.Count;
    public IReadOnlyList<int> Samples => _samples;
    public IReadOnlyDictionary<string, long> BoundAt => _boundAt;

    /// <summary>Reads the watch until cancelled; re-opens it if the server ends the stream.</summary>
    public async Task RunAsync(TaskCompletionSource opened, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?watch=true&allowWatchBookmarks=false");
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                opened.TrySetResult();
                await using var stream = await response.Content.ReadAsStreamAsync(ct);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    Observe(line);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Observe(string line)
    {
        if (line.Length == 0) return;
        using var doc = JsonDocument.Parse(line);
        var obj = doc.RootElement.GetProperty("object");
        if (!obj.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("nodeName", out var node) || node.GetString() is not { Length: > 0 })
        {
            return;
        }
        var name = obj.GetProperty("metadata").GetProperty("name").GetString()!;
        if (measured(name))
        {
            _boundAt.TryAdd(name, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Samples the bound count each second until <paramref name="target"/> pods are bound.</summary>
    public async Task SampleUntilAsync(int target, TimeSpan limit, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var last = Bound;
        var clock = Stopwatch.StartNew();
        while (Bound < target && clock.Elapsed < limit && await timer.WaitForNextTickAsync(ct))
        {
            var now = Bound;
            _samples.Add(now - last);
            last = now;
        }
    }
}
