using System.Threading.Channels;
using Etcdserverpb;

namespace Timonel.Storage.Etcd;

/// <summary>
/// One watch on a shared stream: the stream's receive loop hands it responses, the consumer reads
/// its events. The loop never waits for a consumer; one that lets <see cref="EtcdStoreOptions.WatchBufferSize"/>
/// events pile up is cut off with <see cref="WatchLaggedException"/>, so it cannot stall the others.
/// </summary>
internal sealed class EtcdWatcher
{
    private readonly Channel<WatchEvent> _events;
    private readonly EtcdKeys _keys;
    private readonly TaskCompletionSource<long> _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastRevision;
    private int _completed;
    private int _removed;

    public EtcdWatcher(long id, WatchRequest request, EtcdKeys keys, int bufferSize)
    {
        Id = id;
        Request = request;
        _keys = keys;
        _lastRevision = Math.Max(request.StartRevision - 1, 0);
        _events = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The watch id on its stream, chosen by us (etcd 3.4+ accepts client-chosen ids).</summary>
    public long Id { get; }

    public WatchRequest Request { get; }

    public ChannelReader<WatchEvent> Events => _events.Reader;

    /// <summary>Completes with the stream's revision when etcd confirmed the watch.</summary>
    public Task<long> Created => _created.Task;

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public void OnCreated(long headerRevision) => _created.TrySetResult(headerRevision);

    /// <summary>Queues the response's events; false when the watcher was cut off for lagging.</summary>
    public bool Deliver(WatchResponse response)
    {
        if (response.Events.Count == 0)
        {
            // An empty response on a live watch is a progress notification: every event up to the
            // header revision has been sent before it on this stream.
            return !Request.ProgressNotify || TryQueue(WatchEvent.Progress(response.Header.Revision));
        }
        foreach (var e in response.Events)
        {
            var kv = _keys.ToKeyValue(e.Kv);
            var prev = e.PrevKv is null ? null : _keys.ToKeyValue(e.PrevKv);
            var type = e.Type == Mvccpb.Event.Types.EventType.Delete ? WatchEventType.Delete : WatchEventType.Put;
            if (!TryQueue(new WatchEvent(type, kv.ModRevision, kv, prev)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Ends the event stream with <paramref name="error"/> after the events already queued.</summary>
    public void Fail(Exception error)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _created.TrySetException(error);
            _events.Writer.TryComplete(error);
        }
    }

    /// <summary>Ends the event stream quietly (the consumer left).</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _created.TrySetCanceled();
            _events.Writer.TryComplete();
        }
    }

    public long LastRevision => Volatile.Read(ref _lastRevision);

    /// <summary>True for the first caller only: a watch leaves its stream once.</summary>
    public bool MarkRemoved() => Interlocked.Exchange(ref _removed, 1) == 0;

    private bool TryQueue(WatchEvent e)
    {
        if (IsCompleted)
        {
            return true;
        }
        if (!_events.Writer.TryWrite(e))
        {
            Fail(new WatchLaggedException(LastRevision));
            return false;
        }
        if (e.Type != WatchEventType.Progress)
        {
            Volatile.Write(ref _lastRevision, e.Revision);
        }
        return true;
    }
}
