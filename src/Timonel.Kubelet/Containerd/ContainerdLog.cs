using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Containerd;

internal static partial class ContainerdLog
{
    [LoggerMessage(1, LogLevel.Information, "containerd started (pid {Pid}, socket {Socket}, netns {Netns})")]
    public static partial void Started(ILogger logger, int pid, string socket, string netns);

    [LoggerMessage(2, LogLevel.Information, "containerd ready: {Runtime} {Version}, CRI {ApiVersion}")]
    public static partial void Ready(ILogger logger, string runtime, string version, string apiVersion);

    [LoggerMessage(3, LogLevel.Warning, "containerd (pid {Pid}) exited with {ExitCode}; restarting in {Delay} (restart {Restart}); log: {Log}")]
    public static partial void Died(ILogger logger, int pid, int exitCode, TimeSpan delay, int restart, string log);

    [LoggerMessage(4, LogLevel.Error, "containerd restart failed; trying again")]
    public static partial void RestartFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "containerd (pid {Pid}) stopped with {ExitCode}")]
    public static partial void Stopped(ILogger logger, int pid, int exitCode);

    [LoggerMessage(6, LogLevel.Warning, "containerd (pid {Pid}) ignored SIGTERM for {Timeout}; killed")]
    public static partial void Killed(ILogger logger, int pid, TimeSpan timeout);
}
