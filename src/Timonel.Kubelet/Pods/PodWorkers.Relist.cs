using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

public sealed partial class PodWorkers
{
    /// <summary>
    /// Every relist interval: lists the runtime's containers and triggers the sync of each pod whose
    /// containers appeared, changed state or vanished (an exit is noticed within a second, not at
    /// the next resync). Every <see cref="OrphanSweepInterval"/>, once the pod informer has synced:
    /// tears down sandboxes of pods that are not bound here (deleted while the agent was away).
    /// </summary>
    private async Task RelistLoopAsync(IInformer<V1Pod> pods, CancellationToken ct)
    {
        var last = new Dictionary<string, (ContainerState State, string Uid)>(StringComparer.Ordinal);
        var nextSweep = DateTimeOffset.MinValue;
        while (true)
        {
            await Task.Delay(_options.RelistInterval, _options.Time, ct).ConfigureAwait(false);
            var listed = await _cri.ListContainersAsync(null, ct).ConfigureAwait(false);
            if (listed.IsSuccess)
            {
                var now = new Dictionary<string, (ContainerState State, string Uid)>(StringComparer.Ordinal);
                foreach (var c in listed.Value)
                {
                    if (c.Labels.TryGetValue(CriLabels.PodUid, out var uid))
                    {
                        now[c.Id] = (c.State, uid);
                    }
                }
                foreach (var (id, seen) in now)
                {
                    if (!last.TryGetValue(id, out var before) || before.State != seen.State)
                    {
                        Resync(seen.Uid);
                    }
                }
                foreach (var (id, gone) in last)
                {
                    if (!now.ContainsKey(id))
                    {
                        Resync(gone.Uid);
                    }
                }
                last = now;
            }
            if (pods.HasSynced && _options.Time.GetUtcNow() >= nextSweep)
            {
                await SweepOrphansAsync(pods.Lister, ct).ConfigureAwait(false);
                nextSweep = _options.Time.GetUtcNow() + OrphanSweepInterval;
            }
        }
    }

    /// <summary>
    /// A sandbox whose pod uid is neither cached nor worked on belongs to a pod deleted while the
    /// agent was away (or bound elsewhere): a worker is started for it in the removed state, so the
    /// normal termination stops and removes it. Its pod is rebuilt from the sandbox's labels.
    /// </summary>
    private async Task SweepOrphansAsync(ILister<V1Pod> pods, CancellationToken ct)
    {
        var sandboxes = await _cri.ListPodSandboxAsync(null, ct).ConfigureAwait(false);
        if (!sandboxes.IsSuccess)
        {
            return;
        }
        var known = pods.List().Select(p => p.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        foreach (var sandbox in sandboxes.Value)
        {
            if (!sandbox.Labels.TryGetValue(CriLabels.PodUid, out var uid) || known.Contains(uid))
            {
                continue;
            }
            lock (_lock)
            {
                if (_workers.ContainsKey(uid))
                {
                    continue;
                }
                var orphan = new V1Pod
                {
                    ApiVersion = "v1",
                    Kind = "Pod",
                    Metadata = new V1ObjectMeta
                    {
                        Uid = uid,
                        Name = sandbox.Labels.TryGetValue(CriLabels.PodName, out var name) ? name : sandbox.Metadata?.Name ?? uid,
                        NamespaceProperty = sandbox.Labels.TryGetValue(CriLabels.PodNamespace, out var ns) ? ns : sandbox.Metadata?.Namespace ?? "default",
                    },
                    Spec = new V1PodSpec { NodeName = _options.NodeName, Containers = [] },
                };
                PodWorkerLog.Orphan(_logger, orphan.Metadata.NamespaceProperty, orphan.Metadata.Name, uid);
                var worker = new PodWorker(orphan);
                worker.MarkRemoved(orphan);
                StartWorker(worker);
            }
        }
    }
}
