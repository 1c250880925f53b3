using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// Runs one attempt of a probe's action (exec, httpGet, tcpSocket or grpc) against a container.
/// Every expected failure (refused, timed out, non-zero exit, bad status) is an outcome, never an
/// exception; only the caller's cancellation throws. The probing loops depend on this seam alone,
/// so they are tested without a network or a runtime.
/// </summary>
public interface IProbeActionRunner
{
    Task<ProbeOutcome> RunAsync(PodContext pod, V1Container container, string containerId, V1Probe probe, TimeSpan timeout, CancellationToken ct);
}
