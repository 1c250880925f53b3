using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Etcd;

/// <summary>Validated settings of the etcd-backed store.</summary>
public sealed record EtcdStoreOptions
{
    /// <summary>Comma-separated client URLs, e.g. "http://127.0.0.1:2379,http://10.0.0.2:2379".</summary>
    public required string Endpoints { get; init; }

    /// <summary>
    /// Prepended to every key written and stripped from every key read, so several clusters (or
    /// tests) can share one etcd. The API server uses keys that already start with "/registry/".
    /// </summary>
    public string KeyPrefix { get; init; } = "";

    /// <summary>How long opening a connection to an endpoint may take.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The deadline of every unary request (get, range, txn, compact).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many watches share one gRPC watch stream before a new stream is opened.</summary>
    public int WatchesPerStream { get; init; } = 128;

    /// <summary>Events a watcher may have undelivered before it is cut off as lagging.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>The clock that request deadlines are computed from.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where stream failures and lagging watchers are logged; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The endpoint URLs, checked; throws <see cref="ArgumentException"/> when unusable.</summary>
    internal IReadOnlyList<Uri> ParseEndpoints()
    {
        var uris = new List<Uri>();
        foreach (var part in Endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"etcd endpoint '{part}' is not an http:// or https:// URL", nameof(Endpoints));
            }
            uris.Add(uri);
        }
        if (uris.Count == 0)
        {
            throw new ArgumentException("no etcd endpoint given", nameof(Endpoints));
        }
        if (uris.Select(u => u.Scheme).Distinct().Count() > 1)
        {
            throw new ArgumentException("etcd endpoints mix http and https", nameof(Endpoints));
        }
        return uris;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for settings no store can run with.</summary>
    internal void Validate()
    {
        if (RequestTimeout <= TimeSpan.Zero || DialTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("etcd timeouts must be positive");
        }
        if (WatchesPerStream < 1 || WatchBufferSize < 1)
        {
            throw new ArgumentException("WatchesPerStream and WatchBufferSize must be at least 1");
        }
    }
}
