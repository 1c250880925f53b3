using System.Collections.Concurrent;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// The probe state of one running container (one container id), shared by its probing loops.
/// States: not started (a startup probe exists and has not passed; liveness and readiness wait)
/// -> started -> ready while readiness passes (at once when there is no readiness probe). A
/// liveness or startup failure past its threshold sets the restart reason; it is never cleared,
/// since the container is killed and its successor has a new id and a new entry.
/// </summary>
internal sealed class ProbedContainer
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _startedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _hasReadiness;
    private bool _started;
    private bool _readinessPassed;
    private string? _restartReason;

    public ProbedContainer(ProbeTarget target)
    {
        Target = target;
        _hasReadiness = target.Container.ReadinessProbe is not null;
        _started = target.Container.StartupProbe is null;
        if (_started)
        {
            _startedSignal.SetResult();
        }
    }

    public ProbeTarget Target { get; }

    public CancellationTokenSource Stop { get; } = new();

    /// <summary>Added to while <c>Watch</c> starts them, read by disposal: possibly at the same time.</summary>
    public ConcurrentBag<Task> Loops { get; } = [];

    /// <summary>Completes when the startup probe passes (at once without one).</summary>
    public Task Started => _startedSignal.Task;

    public ContainerProbeState State
    {
        get
        {
            lock (_gate)
            {
                return new ContainerProbeState(_started, _started && (!_hasReadiness || _readinessPassed), _restartReason);
            }
        }
    }

    /// <summary>Applies a result that crossed its threshold; true when the container's state changed.</summary>
    public bool Apply(ProbeKind kind, bool passed)
    {
        var before = State;
        lock (_gate)
        {
            switch (kind)
            {
                case ProbeKind.Startup when passed:
                    _started = true;
                    break;
                case ProbeKind.Readiness:
                    _readinessPassed = passed;
                    break;
                case ProbeKind.Startup or ProbeKind.Liveness when !passed:
                    _restartReason ??= $"Container {Target.Container.Name} failed {kind.ToString().ToLowerInvariant()} probe, will be restarted";
                    break;
            }
        }
        if (kind == ProbeKind.Startup && passed)
        {
            _startedSignal.TrySetResult();
        }
        return State != before;
    }
}
