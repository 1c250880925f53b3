using System.Runtime.CompilerServices;

namespace Timonel.Storage.Etcd;

public sealed partial class EtcdStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Watches share gRPC streams (see <see cref="EtcdWatchMux"/>). etcd itself keeps each watch
    /// in revision order without gaps or duplicates; this adds only the per-watch buffer. Progress
    /// notifications come from etcd's --experimental-watch-progress-notify-interval (10 minutes
    /// by default) and from <see cref="RequestProgressAsync"/>.
    /// </remarks>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(request.StartRevision);
        var (stream, watcher) = await _watches.StartAsync(request, cancellationToken);
        try
        {
            await foreach (var e in watcher.Events.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            await stream.RemoveAsync(watcher);
        }
    }

    /// <summary>
    /// Asks etcd to send a progress notification to every watch of this store that asked for
    /// them, once all of them have caught up; it says "nothing older than this is undelivered".
    /// </summary>
    public Task RequestProgressAsync(CancellationToken cancellationToken = default) =>
        _watches.RequestProgressAsync(cancellationToken);
}
