namespace Timonel.Scheduler.Framework;

/// <summary>The outcome class of a plugin call, as kube-scheduler's status codes.</summary>
public enum StatusCode
{
    Success,
    /// <summary>The pod does not fit now; preemption or a cluster change may help.</summary>
    Unschedulable,
    /// <summary>The pod does not fit and preempting pods on this node cannot change that.</summary>
    UnschedulableAndUnresolvable,
    /// <summary>A bug or broken input; the cycle stops.</summary>
    Error,
}

/// <summary>
/// A plugin result. Expected failures (the pod does not fit) are values with reasons a user reads in
/// the FailedScheduling event; only <see cref="StatusCode.Error"/> means something is broken.
/// Success carries no allocation: the default value is success.
/// </summary>
public readonly record struct Status(StatusCode Code, string[]? ReasonList = null, string? Plugin = null)
{
    public static Status Success => default;

    public bool IsSuccess => Code == StatusCode.Success;

    public bool IsRejected => Code is StatusCode.Unschedulable or StatusCode.UnschedulableAndUnresolvable;

    public IReadOnlyList<string> Reasons => ReasonList ?? [];

    public string Message => string.Join(", ", Reasons);

    public static Status Unschedulable(params string[] reasons) => new(StatusCode.Unschedulable, reasons);

    public static Status Unresolvable(params string[] reasons) => new(StatusCode.UnschedulableAndUnresolvable, reasons);

    public static Status Failure(string reason) => new(StatusCode.Error, [reason]);

    public Status WithPlugin(string plugin) => this with { Plugin = plugin };
}
