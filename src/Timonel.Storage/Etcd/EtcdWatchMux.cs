using Etcdserverpb;
using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Etcd;

/// <summary>
/// Spreads watches over a few gRPC streams, at most <see cref="EtcdStoreOptions.WatchesPerStream"/>
/// each, so a thousand watchers cost a handful of HTTP/2 streams instead of a thousand.
/// </summary>
internal sealed class EtcdWatchMux(
    Watch.WatchClient client, EtcdKeys keys, EtcdStoreOptions options, ILogger logger, Action<long> noteCompacted)
    : IAsyncDisposable
{
    private readonly List<EtcdWatchStream> _streams = [];
    private bool _disposed;

    /// <summary>
    /// Starts a watch and returns once etcd confirmed it. A start revision that etcd has compacted
    /// is reported on the watcher's event stream, as etcd reports it after the confirmation.
    /// </summary>
    public async Task<(EtcdWatchStream Stream, EtcdWatcher Watcher)> StartAsync(WatchRequest request, CancellationToken cancellationToken)
    {
        var stream = Reserve();
        var watcher = new EtcdWatcher(stream.NextId(), request, keys, options.WatchBufferSize);
        var create = new WatchCreateRequest
        {
            Key = keys.Key(request.Prefix),
            RangeEnd = keys.PrefixRangeEnd(request.Prefix),
            StartRevision = request.StartRevision,
            PrevKv = true,
            ProgressNotify = request.ProgressNotify,
            WatchId = watcher.Id,
        };
        try
        {
            await stream.AddAsync(watcher, create, cancellationToken);
            var revision = await watcher.Created.WaitAsync(options.RequestTimeout, options.TimeProvider, cancellationToken);
            // etcd would wait for a future start revision; the interface refuses it like a read.
            if (request.StartRevision > revision + 1)
            {
                throw new FutureRevisionException(request.StartRevision, revision);
            }
            return (stream, watcher);
        }
        catch (TimeoutException e)
        {
            await stream.RemoveAsync(watcher);
            throw new StorageUnavailableException("etcd did not confirm the watch in time", e);
        }
        catch
        {
            await stream.RemoveAsync(watcher);
            throw;
        }
    }

    /// <summary>Asks every stream for a progress notification on its watches.</summary>
    public async Task RequestProgressAsync(CancellationToken cancellationToken)
    {
        EtcdWatchStream[] streams;
        lock (_streams)
        {
            streams = [.. _streams];
        }
        foreach (var stream in streams)
        {
            await stream.RequestProgressAsync(cancellationToken);
        }
    }

    private EtcdWatchStream Reserve()
    {
        lock (_streams)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _streams.RemoveAll(s => s.IsBroken);
            foreach (var candidate in _streams)
            {
                if (candidate.TryReserve(options.WatchesPerStream))
                {
                    return candidate;
                }
            }
            var stream = new EtcdWatchStream(client, logger, noteCompacted);
            stream.TryReserve(options.WatchesPerStream);
            _streams.Add(stream);
            return stream;
        }
    }

    public async ValueTask DisposeAsync()
    {
        EtcdWatchStream[] streams;
        lock (_streams)
        {
            _disposed = true;
            streams = [.. _streams];
            _streams.Clear();
        }
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }
}
