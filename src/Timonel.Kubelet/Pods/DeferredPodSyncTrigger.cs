namespace Timonel.Kubelet.Pods;

/// <summary>
/// Breaks the construction cycle between the parts that trigger syncs (probes) and
/// <see cref="PodWorkers"/>, which takes those parts: build this first, give it to the parts,
/// then set <see cref="Target"/> to the workers. Triggers before that are dropped (the periodic
/// resync covers them).
/// </summary>
public sealed class DeferredPodSyncTrigger : IPodSyncTrigger
{
    private volatile IPodSyncTrigger? _target;

    public IPodSyncTrigger? Target
    {
        get => _target;
        set => _target = value;
    }

    public void Resync(string podUid) => _target?.Resync(podUid);
}
