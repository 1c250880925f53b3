using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// The node's probes: per watched container one loop per probe it declares (startup, liveness,
/// readiness; see <see cref="ProbeLoop"/>). Concurrency contract: <see cref="Watch"/>,
/// <see cref="Forget"/> and <see cref="StateOf"/> may be called from any pod worker at any time
/// and never block; loops only read their target and report through <see cref="IPodSyncTrigger"/>,
/// so a pod worker learns about a change by syncing, never by a callback into its own state.
/// </summary>
public sealed class ContainerProbes : IContainerProbes, IAsyncDisposable
{
    private static readonly ContainerProbeState Unknown = new(Started: false, Ready: false, RestartReason: null);

    private readonly ConcurrentDictionary<string, ProbedContainer> _containers = new(StringComparer.Ordinal);
    private readonly IProbeActionRunner _runner;
    private readonly IContainerEventSink _events;
    private readonly IPodSyncTrigger _trigger;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ContainerProbes(IProbeActionRunner runner, IContainerEventSink events, IPodSyncTrigger trigger, TimeProvider time, ILogger<ContainerProbes> logger)
    {
        _runner = runner;
        _events = events;
        _trigger = trigger;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Starts the container's loops, once per container id. Call it for every running container,
    /// with or without probes: a container never watched reads as not started and not ready.
    /// </summary>
    public void Watch(ProbeTarget target)
    {
        var entry = new ProbedContainer(target);
        if (!_containers.TryAdd(target.ContainerId, entry))
        {
            return;
        }
        var c = target.Container;
        Start(entry, ProbeKind.Startup, c.StartupProbe);
        Start(entry, ProbeKind.Liveness, c.LivenessProbe);
        Start(entry, ProbeKind.Readiness, c.ReadinessProbe);
    }

    public void Forget(string containerId)
    {
        if (_containers.TryRemove(containerId, out var entry))
        {
            entry.Stop.Cancel();
        }
    }

    public ContainerProbeState StateOf(string containerId) =>
        _containers.TryGetValue(containerId, out var entry) ? entry.State : Unknown;

    /// <summary>Stops every loop and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        var entries = _containers.Values.ToList();
        _containers.Clear();
        foreach (var entry in entries)
        {
            await entry.Stop.CancelAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(entries.SelectMany(e => e.Loops)).ConfigureAwait(false);
    }

    private void Start(ProbedContainer entry, ProbeKind kind, k8s.Models.V1Probe? probe)
    {
        if (probe is null)
        {
            return;
        }
        var loop = new ProbeLoop(entry, kind, probe, _runner, _events, _trigger, _time, _logger);
        var token = entry.Stop.Token;
        entry.Loops.Add(Task.Run(async () =>
        {
            try
            {
                await loop.RunAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                ProbeLog.LoopCrashed(_logger, entry.Target.ContainerId, e);
            }
        }, CancellationToken.None));
    }
}
