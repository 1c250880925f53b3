using k8s.Models;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// A probe's timing with upstream's defaults filled in: initialDelaySeconds 0, periodSeconds 10,
/// timeoutSeconds 1, successThreshold 1, failureThreshold 3. Values below their minimum (the API
/// server normally rejects them) fall back to the default; liveness and startup probes always
/// have successThreshold 1, as validation requires upstream.
/// </summary>
public sealed record ProbeSettings(TimeSpan InitialDelay, TimeSpan Period, TimeSpan Timeout, int SuccessThreshold, int FailureThreshold)
{
    public static ProbeSettings For(V1Probe probe, ProbeKind kind)
    {
        static int AtLeast(int? value, int minimum, int fallback) => value is { } v && v >= minimum ? v : fallback;

        return new ProbeSettings(
            InitialDelay: TimeSpan.FromSeconds(AtLeast(probe.InitialDelaySeconds, 0, 0)),
            Period: TimeSpan.FromSeconds(AtLeast(probe.PeriodSeconds, 1, 10)),
            Timeout: TimeSpan.FromSeconds(AtLeast(probe.TimeoutSeconds, 1, 1)),
            SuccessThreshold: kind == ProbeKind.Readiness ? AtLeast(probe.SuccessThreshold, 1, 1) : 1,
            FailureThreshold: AtLeast(probe.FailureThreshold, 1, 3));
    }
}
