using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Events;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// A <see cref="PodWorkerNode"/> whose workers get the real probes and lifecycle hooks
/// (<see cref="NodeProbes"/>), as the agent wires them, and a marking endpoint drain. The probes run in the test process, outside
/// the node's network namespace: their sockets are made inside it (<see cref="NetnsSockets"/>), so
/// httpGet, tcpSocket and grpc reach pod IPs as they would from an agent in the node.
/// </summary>
public sealed class ProbedPodWorkerNode : PodWorkerNode
{
    private NodeProbes? _probes;

    protected override PodWorkerParts CreateParts(EventRecorder events, IPodSyncTrigger trigger)
    {
        _probes = new NodeProbes(Node.Cri, events, trigger, TimeProvider.System, NullLoggerFactory.Instance, () => NetnsSockets.CreateInside(Node.Netns));
        return base.CreateParts(events, trigger) with
        {
            Probes = _probes.Probes,
            PreStop = _probes.Hooks.RunPreStopAsync,
            PostStart = _probes.Hooks.RunPostStartAsync,
            Drain = MarkDrainAsync,
        };
    }

    /// <summary>
    /// The endpoint drain's stand-in: a line `drain BUDGET` in the pod's shared `seen` file when
    /// the pod keeps one, so a test sees where in the termination the worker called it.
    /// </summary>
    private async Task MarkDrainAsync(PodContext pod, TimeSpan budget, CancellationToken ct)
    {
        var seen = Path.Combine(Volumes.DirectoryOf(pod.Pod.Metadata.Name), "seen");
        if (File.Exists(seen))
        {
            await File.AppendAllTextAsync(seen, $"drain {budget.TotalSeconds}s\n", ct);
        }
    }

    protected override async ValueTask ReleasePartsAsync()
    {
        if (_probes is not null)
        {
            await _probes.DisposeAsync();
            _probes = null;
        }
    }
}
