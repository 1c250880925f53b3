using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>One container instance of a pod as the runtime reports it.</summary>
internal sealed record ContainerInstance(string Id, string Name, int RestartCount, ContainerStatus Status)
{
    public bool IsRunning => Status.State == ContainerState.ContainerRunning;
    public bool IsExited => Status.State == ContainerState.ContainerExited;
    public bool IsCreated => Status.State == ContainerState.ContainerCreated;
    /// <summary>The runtime cannot tell (e.g. containerd just restarted): the worker waits rather than start a second instance.</summary>
    public bool IsUnknown => !IsRunning && !IsExited && !IsCreated;
    public DateTimeOffset CreatedAt => FromNanos(Status.CreatedAt);
    public DateTimeOffset StartedAt => FromNanos(Status.StartedAt);
    public DateTimeOffset FinishedAt => FromNanos(Status.FinishedAt);

    public static DateTimeOffset FromNanos(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
}

/// <summary>
/// What the runtime has of one pod, read fresh from CRI on every sync (by the pod-uid label), so
/// the worker's decisions never rest on memory that an agent restart would lose.
/// </summary>
internal sealed class PodRuntimeView
{
    private PodRuntimeView(IReadOnlyList<PodSandbox> sandboxes, PodSandboxStatus? ready, IReadOnlyDictionary<string, IReadOnlyList<ContainerInstance>> byName)
    {
        Sandboxes = sandboxes;
        ReadySandbox = ready;
        _byName = byName;
    }

    private readonly IReadOnlyDictionary<string, IReadOnlyList<ContainerInstance>> _byName;

    /// <summary>Every sandbox of the pod, newest first.</summary>
    public IReadOnlyList<PodSandbox> Sandboxes { get; }

    /// <summary>The newest sandbox if it is ready (its network set up), else null.</summary>
    public PodSandboxStatus? ReadySandbox { get; }

    public string? PodIp => string.IsNullOrEmpty(ReadySandbox?.Network?.Ip) ? null : ReadySandbox.Network.Ip;

    public IEnumerable<ContainerInstance> All => _byName.Values.SelectMany(v => v);

    /// <summary>The instances of one container, newest first (by restart count, then creation).</summary>
    public IReadOnlyList<ContainerInstance> Of(string name) => _byName.TryGetValue(name, out var list) ? list : [];

    public ContainerInstance? Newest(string name) => Of(name) is [var first, ..] ? first : null;

    private const int OomSettleLooks = 4;
    private static readonly TimeSpan OomSettleDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A container killed by SIGKILL (exit 137) a moment ago that containerd still calls an Error:
    /// containerd learns of an OOM kill from a separate event that may come after the exit, and
    /// only then says OOMKilled. Its status is read again for up to 0.8 s, so a pod that ends with
    /// that exit is not written down as Error for good (a Never pod is not looked at again).
    /// </summary>
    private static bool MayAwaitOomReason(ContainerStatus status) =>
        status.State == ContainerState.ContainerExited && status.ExitCode == 137 && status.Reason is "" or "Error"
        && DateTimeOffset.UtcNow - ContainerInstance.FromNanos(status.FinishedAt) < TimeSpan.FromSeconds(2);

    public static async Task<CriResult<PodRuntimeView>> ReadAsync(CriClient cri, string podUid, CancellationToken ct)
    {
        var sandboxFilter = new PodSandboxFilter { LabelSelector = { [CriLabels.PodUid] = podUid } };
        var sandboxes = await cri.ListPodSandboxAsync(sandboxFilter, ct).ConfigureAwait(false);
        if (!sandboxes.IsSuccess)
        {
            return sandboxes.Error;
        }
        var ordered = sandboxes.Value.OrderByDescending(s => s.Metadata?.Attempt ?? 0).ThenByDescending(s => s.CreatedAt).ToList();
        PodSandboxStatus? ready = null;
        if (ordered is [{ State: PodSandboxState.SandboxReady } newest, ..])
        {
            var status = await cri.PodSandboxStatusAsync(newest.Id, cancellationToken: ct).ConfigureAwait(false);
            if (!status.IsSuccess && status.Error.Kind != CriErrorKind.NotFound)
            {
                return status.Error;
            }
            ready = status.IsSuccess && status.Value.Status.State == PodSandboxState.SandboxReady ? status.Value.Status : null;
        }
        var containers = await cri.ListContainersAsync(new ContainerFilter { LabelSelector = { [CriLabels.PodUid] = podUid } }, ct).ConfigureAwait(false);
        if (!containers.IsSuccess)
        {
            return containers.Error;
        }
        var instances = new List<ContainerInstance>();
        foreach (var c in containers.Value)
        {
            var status = await cri.ContainerStatusAsync(c.Id, cancellationToken: ct).ConfigureAwait(false);
            for (var look = 0; look < OomSettleLooks && status.IsSuccess && MayAwaitOomReason(status.Value.Status); look++)
            {
                await Task.Delay(OomSettleDelay, ct).ConfigureAwait(false);
                status = await cri.ContainerStatusAsync(c.Id, cancellationToken: ct).ConfigureAwait(false);
            }
            if (status.IsSuccess)
            {
                var name = c.Labels.TryGetValue(CriLabels.ContainerName, out var n) ? n : c.Metadata?.Name ?? "";
                instances.Add(new ContainerInstance(c.Id, name, CriLabels.RestartCountOf(c.Annotations), status.Value.Status));
            }
            else if (status.Error.Kind != CriErrorKind.NotFound)
            {
                return status.Error;
            }
            // NotFound: removed between the list and the status call; it is gone.
        }
        var byName = instances
            .GroupBy(i => i.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ContainerInstance>)g.OrderByDescending(i => i.RestartCount).ThenByDescending(i => i.Status.CreatedAt).ToList(), StringComparer.Ordinal);
        return CriResult<PodRuntimeView>.Success(new PodRuntimeView(ordered, ready, byName));
    }
}
