using System.Collections.Concurrent;
using System.Net;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// A steady stream of GET requests from a few concurrent workers until stopped. Every request asks
/// for `Connection: close`, so each one opens a new connection and the proxy in its way picks an
/// endpoint again. Counts what came back: a 200 is an answer (its body, the answering pod's name,
/// is tallied); anything else (another status, a refused or reset connection, a timeout) is a failure.
/// </summary>
public sealed class RequestStream : IAsyncDisposable
{
    private const int KeptFailures = 20;

    private readonly HttpClient _client;
    private readonly Func<long, HttpRequestMessage> _request;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers;
    private readonly ConcurrentQueue<string> _failures = new();
    private long _sent;
    private long _failed;

    /// <param name="request">The request number n's message (callers rotate addresses with it).</param>
    private RequestStream(HttpClient client, Func<long, HttpRequestMessage> request, int workers)
    {
        _client = client;
        _client.Timeout = TimeSpan.FromSeconds(10);
        _request = request;
        _workers = [.. Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync))];
    }

    /// <summary>Starts <paramref name="workers"/> workers sending through <paramref name="client"/> (owned by the stream from now on).</summary>
    public static RequestStream Start(HttpClient client, Func<long, HttpRequestMessage> request, int workers = 4) =>
        new(client, request, workers);

    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>How many answers each pod gave.</summary>
    public ConcurrentDictionary<string, int> AnswersByPod { get; } = new(StringComparer.Ordinal);
    /// <summary>The first failures, for the assertion message.</summary>
    public IReadOnlyList<string> FirstFailures => [.. _failures];

    /// <summary>Lets the requests in flight finish, then stops.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public string Summary =>
        $"{Sent} sent, {Failed} failed; answers by pod: {string.Join(", ", AnswersByPod.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}" +
        (FirstFailures.Count == 0 ? "" : "\nfirst failures:\n  " + string.Join("\n  ", FirstFailures));

    private async Task WorkAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _sent);
            using var message = _request(n);
            message.Headers.ConnectionClose = true;
            var failure = await SendAsync(message);
            if (failure is not null)
            {
                Interlocked.Increment(ref _failed);
                if (_failures.Count < KeptFailures)
                {
                    _failures.Enqueue($"#{n} {DateTime.UtcNow:HH:mm:ss.fff} {message.RequestUri}: {failure}");
                }
            }
        }
    }

    /// <summary>Null for a 200, else what went wrong. Not cancelled by stop: a request once sent is seen to its end.</summary>
    private async Task<string?> SendAsync(HttpRequestMessage message)
    {
        try
        {
            using var response = await _client.SendAsync(message);
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"status {(int)response.StatusCode}: {body[..Math.Min(body.Length, 200)]}";
            }
            AnswersByPod.AddOrUpdate(body, 1, (_, count) => count + 1);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return $"{e.GetType().Name}: {e.Message}{(e.InnerException is { } inner ? " / " + inner.Message : "")}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
        _client.Dispose();
    }
}
