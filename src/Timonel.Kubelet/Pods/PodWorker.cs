using System.Threading.Channels;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>What one sync decided: the pod is gone for good, or when to look again at the latest.</summary>
internal readonly record struct SyncOutcome(bool Finished, TimeSpan? NextSyncIn)
{
    public static SyncOutcome Idle { get; } = new(false, null);
    public static SyncOutcome Gone { get; } = new(true, null);
    public static SyncOutcome After(TimeSpan delay) => new(false, delay);
}

/// <summary>
/// The state of one pod's worker. Only the worker's loop syncs the pod, so there is never more
/// than one sync of a pod at a time; triggers that arrive meanwhile coalesce into one more sync.
/// <see cref="Pod"/> and <see cref="RemovedFromApi"/> are written by informer handlers and read
/// by the loop: the loop always works on the latest pod it sees when a sync starts.
/// </summary>
internal sealed class PodWorker
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private volatile V1Pod _pod;
    private volatile bool _removed;
    private readonly Lock _syncLock = new();
    private CancellationTokenSource? _sync;
    private bool _syncTerminates;

    public PodWorker(V1Pod pod)
    {
        _pod = pod;
        Uid = pod.Metadata.Uid;
    }

    public string Uid { get; }

    /// <summary>The latest pod from the API (read-only: it is the informer's cached instance), or the last one known once removed.</summary>
    public V1Pod Pod => _pod;

    /// <summary>The pod is no longer in the API (deleted without grace, or never ours any more): tear it down.</summary>
    public bool RemovedFromApi => _removed;

    public Task? Loop { get; set; }

    /// <summary>The status JSON this worker last wrote and the revision the write made (used only by the worker's loop).</summary>
    public string? LastWrittenStatus { get; set; }

    public string? LastWrittenVersion { get; set; }

    public void Update(V1Pod pod)
    {
        _pod = pod;
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            CancelRunningSync();
        }
        Signal();
    }

    public void MarkRemoved(V1Pod lastKnown)
    {
        _pod = lastKnown;
        _removed = true;
        CancelRunningSync();
        Signal();
    }

    /// <summary>
    /// The token of the sync that starts now. A sync that runs the pod (not one that terminates
    /// it) is cancelled when the pod starts terminating, so a long pull or a slow start does not
    /// hold up the stop the user asked for, as the kubelet cancels a sync on kill.
    /// </summary>
    public CancellationToken BeginSync(CancellationToken stopping)
    {
        lock (_syncLock)
        {
            _sync = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _syncTerminates = _removed || _pod.Metadata.DeletionTimestamp is not null;
            return _sync.Token;
        }
    }

    public void EndSync()
    {
        lock (_syncLock)
        {
            _sync?.Dispose();
            _sync = null;
        }
    }

    private void CancelRunningSync()
    {
        lock (_syncLock)
        {
            if (_sync is not null && !_syncTerminates)
            {
                _sync.Cancel();
            }
        }
    }

    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Returns when signalled or after <paramref name="max"/> (measured on <paramref name="time"/>).</summary>
    public async Task WaitAsync(TimeSpan max, TimeProvider time, CancellationToken ct)
    {
        using var timer = new CancellationTokenSource(max, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await _signal.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The period ended without a trigger (a periodic sync), or the worker stops: its loop checks ct.
        }
    }
}
