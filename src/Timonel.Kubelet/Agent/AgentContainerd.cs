using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// The node's containerd (<c>AGENT/containerd</c>) across agent restarts. Invariant: at most one
/// containerd runs on that data dir. The agent never stops it when it exits (normally or by
/// <c>kill -9</c>): like the containers, it outlives the agent, and only <c>timonel down</c> or an
/// uninstall stops it. So at start: if the socket answers CRI <c>Version</c>, the containerd the
/// previous agent left is reused as is (its pid is in <c>containerd.pid</c>); else a new one is
/// started under <see cref="ContainerdSupervisor"/>, which restarts it if it dies. A reused
/// containerd is watched by polling; when it stops answering, a supervised one takes over.
/// </summary>
public sealed class AgentContainerd(ContainerdOptions options, ILoggerFactory loggers) : IAsyncDisposable
{
    public const string PidFile = "containerd.pid";
    private readonly ILogger _logger = loggers.CreateLogger("timonel.agent.containerd");
    private ContainerdSupervisor? _supervisor;

    public ContainerdPaths Paths { get; } = ContainerdPaths.For(options);

    public async Task StartAsync(CancellationToken ct)
    {
        if (await AnswersAsync(ct))
        {
            AgentLog.ContainerdReused(_logger, Paths.Socket);
            return;
        }
        await StartSupervisedAsync(ct);
    }

    /// <summary>
    /// Until cancelled: polls a reused containerd and starts a supervised one if it stops
    /// answering (a supervised one is watched by its supervisor).
    /// </summary>
    public async Task WatchAsync(CancellationToken ct)
    {
        var misses = 0;
        while (!ct.IsCancellationRequested)
        {
            if (_supervisor is not null)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            misses = await AnswersAsync(ct) ? 0 : misses + 1;
            if (misses >= 3)
            {
                AgentLog.ContainerdLost(_logger, Paths.Socket);
                await StartSupervisedAsync(ct);
            }
        }
    }

    private async Task StartSupervisedAsync(CancellationToken ct)
    {
        var supervisor = new ContainerdSupervisor(options, loggers.CreateLogger<ContainerdSupervisor>());
        await supervisor.StartAsync(ct);
        _supervisor = supervisor;
        if (supervisor.Pid is { } pid)
        {
            await File.WriteAllTextAsync(Path.Combine(Paths.DataDir, PidFile), pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", ct);
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken ct)
    {
        if (!File.Exists(Paths.Socket))
        {
            return false;
        }
        using var client = CriClient.ForUnixSocket(Paths.Socket, new CriClientOptions { CallTimeout = TimeSpan.FromSeconds(2) });
        return (await client.VersionAsync(ct)).IsSuccess;
    }

    /// <summary>Leaves containerd running (see the class comment); only the supervisor's watcher stops.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// For `timonel down` and tests: SIGTERM (then SIGKILL after 10 s) to the containerd whose pid
    /// the file names, if that process is a containerd.
    /// </summary>
    public static async Task StopLeftRunningAsync(string containerdDir)
    {
        var pidPath = Path.Combine(containerdDir, PidFile);
        if (!File.Exists(pidPath) || !int.TryParse(File.ReadAllText(pidPath).Trim(), out var pid))
        {
            return;
        }
        if (CommandLineOf(pid).Contains("containerd", StringComparison.Ordinal))
        {
            Native.Signal(pid, Native.SIGTERM);
            for (var i = 0; i < 100 && CommandLineOf(pid).Length > 0; i++)
            {
                await Task.Delay(100);
            }
            if (CommandLineOf(pid).Length > 0)
            {
                Native.Signal(pid, Native.SIGKILL);
                await Task.Delay(200);
            }
        }
        File.Delete(pidPath);
    }

    /// <summary>Empty for a process that is gone or a zombie (which has no command line).</summary>
    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
