namespace Timonel.Kubelet.Logs;

/// <summary>
/// The kubelet's containerLogMaxSize, containerLogMaxFiles and containerLogMonitorInterval, with
/// upstream's defaults (10Mi, 5, 10 s).
/// </summary>
public sealed record ContainerLogRotationOptions
{
    public const long DefaultMaxSize = 10 * 1024 * 1024;
    public const int DefaultMaxFiles = 5;

    /// <summary>Bytes the live log file may reach before it is rotated; negative: never rotate (as upstream).</summary>
    public long MaxSize { get; init; } = DefaultMaxSize;

    /// <summary>Files of one container kept at most, the live one included (at least 2).</summary>
    public int MaxFiles { get; init; } = DefaultMaxFiles;

    /// <summary>How often the running containers' log sizes are checked.</summary>
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public bool Disabled => MaxSize < 0;

    /// <summary>Null when the options are usable, else what is wrong (worded for a command-line user).</summary>
    public string? Validate() =>
        MaxSize == 0 ? "container log max size must be positive (or negative to disable rotation)"
        : MaxFiles < 2 ? $"container log max files must be at least 2, got {MaxFiles}"
        : MonitorInterval <= TimeSpan.Zero ? "container log monitor interval must be positive"
        : null;
}
