using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Informers;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Runs the pods bound to this node: one serialized worker per pod uid (PodWorker), fed by a pod
/// informer restricted to <c>spec.nodeName=NODE</c>, a relist of the runtime's containers every
/// second (container exits and starts trigger the pod's sync, like the kubelet's PLEG) and a
/// periodic resync. Sync logic is in <see cref="PodSync"/>. Once the informer has synced, sandboxes
/// of pods that are not bound here any more are torn down. Containers keep running when the agent
/// or the API server stops; a new instance adopts them (PodRuntimeView reads them by label).
/// </summary>
public sealed partial class PodWorkers : IPodSyncTrigger, IContainerLocator
{
    private static readonly TimeSpan OrphanSweepInterval = TimeSpan.FromSeconds(30);

    private readonly ApiConnection _api;
    private readonly CriClient _cri;
    private readonly PodWorkerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly PodSync _sync;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PodContainerLocations> _locations = new(StringComparer.Ordinal);
    private CancellationToken _stopping = new(canceled: true);

    /// <param name="api">The node's connection to the API server (reads pods, writes pods/status, deletes pods, events through the parts' recorder).</param>
    /// <param name="cri">The node's containerd.</param>
    /// <param name="parts">The seams' implementations.</param>
    /// <param name="options">The node's name, IP, allocatable, log root and cgroup root.</param>
    /// <param name="loggers">Null: no logs.</param>
    public PodWorkers(ApiConnection api, CriClient cri, PodWorkerParts parts, PodWorkerOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(cri);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _api = api;
        _cri = cri;
        _options = options;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Timonel.Kubelet.Pods");
        BackOff = new RestartBackOff(options.Time);
        _sync = new PodSync(api, cri, parts, options, BackOff, PublishLocations, _logger);
    }

    /// <summary>The CrashLoopBackOff state (for tests and diagnostics).</summary>
    public RestartBackOff BackOff { get; }

    /// <summary>The number of pods with a worker (tests, metrics).</summary>
    public int WorkerCount
    {
        get
        {
            lock (_lock)
            {
                return _workers.Count;
            }
        }
    }

    /// <summary>
    /// Watches this node's pods and runs them until <paramref name="ct"/> is cancelled; then stops
    /// the workers (waiting for syncs in progress) and returns. Containers keep running.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await using var informers = new SharedInformerFactory(_api, _options.Time, _loggers, new SharedInformerOptions
        {
            FieldSelector = "spec.nodeName=" + _options.NodeName,
        });
        var pods = informers.GetInformer<V1Pod>();
        _stopping = ct;
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = OnPod,
            Updated = (_, pod) => OnPod(pod),
            Deleted = (pod, _) => OnPodRemoved(pod),
        });
        informers.Start();
        PodWorkerLog.Started(_logger, _options.NodeName);
        try
        {
            await RelistLoopAsync(pods, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        Task[] loops;
        lock (_lock)
        {
            loops = [.. _workers.Values.Select(w => w.Loop).OfType<Task>()];
        }
        await Task.WhenAll(loops).ConfigureAwait(false);
        PodWorkerLog.Stopped(_logger, _options.NodeName);
    }

    /// <summary>Syncs the pod soon (coalesced with other triggers); unknown uids are ignored.</summary>
    public void Resync(string podUid)
    {
        PodWorker? worker;
        lock (_lock)
        {
            _workers.TryGetValue(podUid, out worker);
        }
        worker?.Signal();
    }

    public ContainerLocation? Find(string ns, string podName, string container, bool previous)
    {
        if (!_locations.TryGetValue(ns + "/" + podName, out var pod) || !pod.ByContainer.TryGetValue(container, out var where))
        {
            return null;
        }
        return previous ? where.Previous : where.Current;
    }

    public string? FindPodIp(string ns, string podName, string podUid) =>
        _locations.TryGetValue(ns + "/" + podName, out var pod) && pod.PodUid == podUid ? pod.PodIp : null;

    private void PublishLocations(V1Pod pod, PodContainerLocations? locations)
    {
        var key = pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name;
        if (locations is null)
        {
            // Only the same pod (uid) may remove the entry: a new pod of the same name may own it already.
            if (_locations.TryGetValue(key, out var existing) && existing.PodUid == pod.Metadata.Uid)
            {
                _locations.TryRemove(new KeyValuePair<string, PodContainerLocations>(key, existing));
            }
            return;
        }
        _locations[key] = locations;
    }

    private void OnPod(V1Pod pod)
    {
        if (pod.Spec?.NodeName != _options.NodeName || string.IsNullOrEmpty(pod.Metadata?.Uid))
        {
            return;
        }
        lock (_lock)
        {
            if (_workers.TryGetValue(pod.Metadata.Uid, out var worker))
            {
                worker.Update(pod);
                return;
            }
            StartWorker(new PodWorker(pod));
        }
    }

    private void OnPodRemoved(V1Pod pod)
    {
        lock (_lock)
        {
            if (_workers.TryGetValue(pod.Metadata.Uid, out var worker))
            {
                worker.MarkRemoved(pod);
            }
            // No worker: it finished already; anything the runtime still has is found by the orphan sweep.
        }
    }

    // Caller holds _lock.
    private void StartWorker(PodWorker worker)
    {
        _workers[worker.Uid] = worker;
        worker.Loop = Task.Run(() => RunWorkerAsync(worker, _stopping), CancellationToken.None);
    }

    private async Task RunWorkerAsync(PodWorker worker, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var outcome = SyncOutcome.Idle;
            var syncToken = worker.BeginSync(ct);
            try
            {
                outcome = await _sync.SyncAsync(worker, syncToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (syncToken.IsCancellationRequested)
            {
                // The pod started terminating during the sync: terminate it now.
                outcome = SyncOutcome.After(TimeSpan.Zero);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                // The API server is unreachable or slow: containers keep running; the next sync catches up.
                PodWorkerLog.SyncFailed(_logger, worker.Pod.Metadata.Name, worker.Uid, e.Message);
            }
#pragma warning disable CA1031 // A sync bug must not end the pod's worker: it is logged and retried at the next resync.
            catch (Exception e)
#pragma warning restore CA1031
            {
                PodWorkerLog.SyncThrew(_logger, worker.Pod.Metadata.Name, worker.Uid, e);
            }
            finally
            {
                worker.EndSync();
            }
            if (outcome.Finished)
            {
                lock (_lock)
                {
                    _workers.Remove(worker.Uid);
                }
                PodWorkerLog.Finished(_logger, worker.Pod.Metadata.Name, worker.Uid);
                return;
            }
            var wait = outcome.NextSyncIn is { } next && next < _options.ResyncInterval ? next : _options.ResyncInterval;
            await worker.WaitAsync(wait < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wait, _options.Time, ct).ConfigureAwait(false);
        }
    }
}
