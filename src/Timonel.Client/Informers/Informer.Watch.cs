using Timonel.Client.Api;

namespace Timonel.Client.Informers;

internal sealed partial class Informer<T>
{
    /// <summary>
    /// Watches from revision, reopening ended watches from the last revision seen, until a relist
    /// is needed. Failure is null for 410 Gone (relist now) and the Status text otherwise (relist
    /// after a backoff). Progressed: some event arrived, so the connection is healthy.
    /// </summary>
    private async Task<(string? Failure, bool Progressed)> WatchUntilRelistAsync(string revision, CancellationToken ct)
    {
        var progressed = false;
        while (!ct.IsCancellationRequested)
        {
            // Servers end watches after timeoutSeconds; a spread keeps many informers from reconnecting together.
            var options = new ListOptions
            {
                ResourceVersion = revision,
                AllowWatchBookmarks = true,
                FieldSelector = _fieldSelector,
                TimeoutSeconds = 300 + Random.Shared.Next(300),
            };
            await foreach (var e in _source.Watch(_namespace, options, ct).ConfigureAwait(false))
            {
                progressed = true;
                switch (e.Type)
                {
                    case WatchEventType.Error when e.Status?.Code == 410:
                        InformerLog.Gone(_logger, _resource, revision);
                        return (null, progressed);
                    case WatchEventType.Error:
                        return ($"{e.Status?.Code} {e.Status?.Reason}: {e.Status?.Message}", progressed);
                    case WatchEventType.Bookmark:
                        break;
                    case WatchEventType.Added or WatchEventType.Modified:
                        Apply(e.Object!, deleted: false);
                        break;
                    case WatchEventType.Deleted:
                        Apply(e.Object!, deleted: true);
                        break;
                }
                revision = e.Object?.Metadata?.ResourceVersion ?? revision;
                LastResourceVersion = revision;
            }
            InformerLog.WatchEnded(_logger, _resource, revision);
        }
        return (null, progressed);
    }

    private void Apply(T obj, bool deleted)
    {
        var key = InformerCache<T>.KeyOf(obj);
        lock (_cache.Sync)
        {
            if (deleted)
            {
                if (_cache.Remove(key) is not null)
                {
                    Notify(l => l.Deleted(obj, false));
                }
                return;
            }
            var old = _cache.Upsert(key, obj);
            if (old is null)
            {
                Notify(l => l.Added(obj));
            }
            else
            {
                Notify(l => l.Updated(old, obj));
            }
        }
    }

    /// <summary>Every period, OnUpdate(obj, obj) for everything cached, so controllers re-check the world.</summary>
    private async Task ResyncLoopAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_resyncPeriod, _time, ct).ConfigureAwait(false);
                lock (_cache.Sync)
                {
                    foreach (var (_, obj) in _cache.Snapshot())
                    {
                        Notify(l => l.Updated(obj, obj));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
