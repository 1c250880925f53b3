using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Etcd;

/// <summary>
/// One gRPC Watch stream carrying many watches, told apart by the watch ids we choose.
/// </summary>
/// <remarks>
/// etcd answers create requests on a stream in the order it received them, and a failed create
/// comes back with watch id -1, so pending creates are matched first-in first-out, not by id.
/// Sending a create and queueing it as pending happen under one lock so both orders agree.
/// When the stream breaks, every watch on it ends with <see cref="StorageUnavailableException"/>;
/// the consumer watches again from its last revision (on a new stream).
/// </remarks>
internal sealed class EtcdWatchStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<Etcdserverpb.WatchRequest, WatchResponse> _call;
    private readonly ILogger _logger;
    private readonly Action<long> _noteCompacted;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Queue<EtcdWatcher> _pendingCreates = new();
    private readonly Dictionary<long, EtcdWatcher> _watchers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private long _nextId;
    private int _reserved;
    private volatile bool _broken;

    public EtcdWatchStream(Watch.WatchClient client, ILogger logger, Action<long> noteCompacted)
    {
        _logger = logger;
        _noteCompacted = noteCompacted;
        _call = client.Watch(cancellationToken: _stop.Token);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public bool IsBroken => _broken;

    /// <summary>Claims a slot for one more watch if fewer than <paramref name="capacity"/> are on this stream.</summary>
    public bool TryReserve(int capacity)
    {
        if (_broken)
        {
            return false;
        }
        var reserved = Interlocked.Increment(ref _reserved);
        if (reserved <= capacity)
        {
            return true;
        }
        Interlocked.Decrement(ref _reserved);
        return false;
    }

    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Sends the create request; the watcher learns the answer through <see cref="EtcdWatcher.Created"/>.</summary>
    public async Task AddAsync(EtcdWatcher watcher, WatchCreateRequest create, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            lock (_watchers)
            {
                if (_broken)
                {
                    throw new StorageUnavailableException("the etcd watch stream is closed");
                }
                _pendingCreates.Enqueue(watcher);
                _watchers[watcher.Id] = watcher;
            }
            await _call.RequestStream.WriteAsync(new Etcdserverpb.WatchRequest { CreateRequest = create }, CancellationToken.None);
        }
        catch (RpcException e)
        {
            throw EtcdErrors.Unavailable(e);
        }
        catch (InvalidOperationException e)
        {
            // The request stream was completed by a failure the receive loop is handling.
            throw new StorageUnavailableException("the etcd watch stream is closed", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Stops one watch; the server is told so when the stream still works.</summary>
    public async Task RemoveAsync(EtcdWatcher watcher)
    {
        watcher.Close();
        if (!watcher.MarkRemoved())
        {
            return;
        }
        bool wasLive;
        lock (_watchers)
        {
            wasLive = _watchers.Remove(watcher.Id);
        }
        Interlocked.Decrement(ref _reserved);
        if (!wasLive || _broken)
        {
            return;
        }
        await _sendLock.WaitAsync();
        try
        {
            var cancel = new WatchCancelRequest { WatchId = watcher.Id };
            await _call.RequestStream.WriteAsync(new Etcdserverpb.WatchRequest { CancelRequest = cancel }, CancellationToken.None);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The stream is failing; its receive loop ends every watch on it.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        Exception failure;
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token))
            {
                Dispatch(_call.ResponseStream.Current);
            }
            failure = new StorageUnavailableException("etcd closed the watch stream");
        }
        catch (RpcException e)
        {
            failure = EtcdErrors.Unavailable(e);
        }
        catch (OperationCanceledException e)
        {
            failure = new StorageUnavailableException("the etcd store was disposed", e);
        }
        EtcdWatcher[] orphans;
        lock (_watchers)
        {
            _broken = true;
            orphans = [.. _watchers.Values];
            _watchers.Clear();
            _pendingCreates.Clear();
        }
        if (!_stop.IsCancellationRequested && orphans.Length > 0)
        {
            EtcdLog.WatchStreamFailed(_logger, orphans.Length, failure);
        }
        foreach (var watcher in orphans)
        {
            watcher.Fail(failure);
        }
    }

    private void Dispatch(WatchResponse response)
    {
        if (response.Created)
        {
            EtcdWatcher? pending;
            lock (_watchers)
            {
                _pendingCreates.TryDequeue(out pending);
                if (pending is not null && response.Canceled)
                {
                    _watchers.Remove(pending.Id);
                }
            }
            if (response.Canceled)
            {
                pending?.Fail(new StorageUnavailableException($"etcd refused the watch: {response.CancelReason}"));
            }
            else
            {
                pending?.OnCreated(response.Header.Revision);
            }
            return;
        }
        if (response.WatchId == -1)
        {
            BroadcastProgress(response);
            return;
        }
        EtcdWatcher? watcher;
        lock (_watchers)
        {
            _watchers.TryGetValue(response.WatchId, out watcher);
        }
        if (watcher is null)
        {
            return; // a watch we already cancelled
        }
        if (response.Canceled || response.CompactRevision > 0)
        {
            lock (_watchers)
            {
                _watchers.Remove(watcher.Id);
            }
            watcher.Fail(CancelReason(watcher, response));
        }
        else if (!watcher.Deliver(response))
        {
            EtcdLog.WatchLagged(_logger, watcher.Request.Prefix, watcher.LastRevision);
            _ = RemoveAsync(watcher);
        }
    }

    private StorageException CancelReason(EtcdWatcher watcher, WatchResponse response)
    {
        if (response.CompactRevision > 0)
        {
            _noteCompacted(response.CompactRevision);
            var requested = watcher.LastRevision + 1;
            EtcdLog.WatchCompacted(_logger, watcher.Request.Prefix, requested, response.CompactRevision);
            return new CompactedException(requested, response.CompactRevision);
        }
        return new StorageUnavailableException($"etcd cancelled the watch: {response.CancelReason}");
    }

    /// <summary>A stream-wide progress answer (to a RequestProgress): every watch on the stream is synced to it.</summary>
    private void BroadcastProgress(WatchResponse response)
    {
        EtcdWatcher[] all;
        lock (_watchers)
        {
            all = [.. _watchers.Values];
        }
        foreach (var watcher in all)
        {
            if (watcher.Created.IsCompletedSuccessfully && !watcher.Deliver(response))
            {
                _ = RemoveAsync(watcher);
            }
        }
    }

    /// <summary>Asks etcd for a progress notification on every watch of this stream.</summary>
    public async Task RequestProgressAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (!_broken)
            {
                await _call.RequestStream.WriteAsync(new Etcdserverpb.WatchRequest { ProgressRequest = new WatchProgressRequest() }, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The receive loop ends the watches of a failed stream.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiveLoop;
        }
        finally
        {
            _call.Dispose();
            _stop.Dispose();
            _sendLock.Dispose();
        }
    }
}
