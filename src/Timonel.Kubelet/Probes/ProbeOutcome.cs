namespace Timonel.Kubelet.Probes;

/// <summary>Which of a container's probes a loop runs; the name is the one events use ("Liveness probe failed: ...").</summary>
public enum ProbeKind
{
    Startup,
    Liveness,
    Readiness,
}

/// <summary>What one probe attempt found, as upstream's prober classifies it.</summary>
public enum ProbeResult
{
    Success,
    /// <summary>Counts as a success, with a <c>ProbeWarning</c> event (an HTTP redirect to another host).</summary>
    Warning,
    Failure,
    /// <summary>The probe could not be run (e.g. a named port the container does not have): the attempt is thrown away.</summary>
    Error,
}

/// <summary>One attempt's result and its words: the command's output, or why the check failed.</summary>
public sealed record ProbeOutcome(ProbeResult Result, string Output)
{
    public static ProbeOutcome Success(string output = "") => new(ProbeResult.Success, output);

    public static ProbeOutcome Failure(string output) => new(ProbeResult.Failure, output);

    public static ProbeOutcome Error(string output) => new(ProbeResult.Error, output);

    public bool Passed => Result is ProbeResult.Success or ProbeResult.Warning;
}
