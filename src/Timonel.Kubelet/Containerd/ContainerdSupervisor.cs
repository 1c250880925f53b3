using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Containerd;

/// <summary>
/// Runs one containerd of our own: writes its config, starts it (in a network namespace when
/// asked), waits until CRI answers, restarts it when it dies, and stops it with SIGTERM.
/// States: new → running (a process, maybe restarting) → stopped; StartAsync and StopAsync are
/// each called once. Containers outlive a containerd restart: their shims keep them running.
/// </summary>
public sealed class ContainerdSupervisor : IAsyncDisposable
{
    private readonly ContainerdOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private Process? _process;
    private Task? _watch;
    private int _restarts;

    public ContainerdSupervisor(ContainerdOptions options, ILogger<ContainerdSupervisor>? logger = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.DataDir);
        _options = options;
        Paths = ContainerdPaths.For(options);
        _logger = logger ?? NullLogger<ContainerdSupervisor>.Instance;
        _time = time ?? TimeProvider.System;
    }

    public ContainerdPaths Paths { get; }

    /// <summary>How many times containerd died and was started again.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>The running containerd's pid, or null between a death and its restart.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>A CRI client of this containerd; the caller disposes it.</summary>
    public CriClient CreateClient(CriClientOptions? options = null) => CriClient.ForUnixSocket(Paths.Socket, options, _time);

    /// <summary>Starts containerd and returns once CRI answers; throws if it does not within ReadyTimeout.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("containerd supervisor already started");
        }
        await ContainerdConfig.WriteAsync(_options, Paths, cancellationToken).ConfigureAwait(false);
        await LaunchAndWaitReadyAsync(cancellationToken).ConfigureAwait(false);
        _watch = Task.Run(WatchAsync, CancellationToken.None);
    }

    private async Task LaunchAndWaitReadyAsync(CancellationToken cancellationToken)
    {
        var process = Process.Start(StartInfo()) ?? throw new InvalidOperationException("containerd did not start");
        _process = process;
        ContainerdLog.Started(_logger, process.Id, Paths.Socket, _options.NetworkNamespace ?? "(host)");
        using var client = CreateClient(new CriClientOptions { CallTimeout = TimeSpan.FromSeconds(2) });
        var deadline = _time.GetUtcNow() + _options.ReadyTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"containerd exited with {process.ExitCode} before it was ready; its log ({Paths.Log}) ends with:\n{LogTail()}");
            }
            var version = await client.VersionAsync(cancellationToken).ConfigureAwait(false);
            if (version.IsSuccess)
            {
                ContainerdLog.Ready(_logger, version.Value.RuntimeName, version.Value.RuntimeVersion, version.Value.RuntimeApiVersion);
                return;
            }
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException(
                    $"containerd did not answer CRI Version within {_options.ReadyTimeout} ({version.Error}); log ends with:\n{LogTail()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// sh only opens the log for appending and execs; nsenter (without --fork) execs too, so the
    /// process we hold is containerd itself and signals reach it directly.
    /// </summary>
    private ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(Paths.Log);
        if (_options.NetworkNamespace is { } netns)
        {
            info.ArgumentList.Add(_options.NsenterPath);
            info.ArgumentList.Add($"--net=/var/run/netns/{netns}");
        }
        info.ArgumentList.Add(_options.ContainerdPath);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(Paths.Config);
        return info;
    }

    private async Task WatchAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            var process = _process!;
            try
            {
                await process.WaitForExitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var restart = Interlocked.Increment(ref _restarts);
            ContainerdLog.Died(_logger, process.Id, process.ExitCode, _options.RestartDelay, restart, Paths.Log);
            process.Dispose();
            _process = null;
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_options.RestartDelay, _time, stopping).ConfigureAwait(false);
                    await LaunchAndWaitReadyAsync(stopping).ConfigureAwait(false);
                    break;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
                {
                    ContainerdLog.RestartFailed(_logger, e);
                    if (_process is { HasExited: false } stuck)
                    {
                        stuck.Kill();
                        await stuck.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    /// <summary>SIGTERM, then SIGKILL after StopTimeout. Idempotent. Running containers keep running (their shims hold them).</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watch is not null)
        {
            await _watch.ConfigureAwait(false);
        }
        if (_process is not { } process)
        {
            return;
        }
        if (!process.HasExited)
        {
            Native.Signal(process.Id, Native.SIGTERM);
            using var timeout = new CancellationTokenSource(_options.StopTimeout, _time);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ContainerdLog.Killed(_logger, process.Id, _options.StopTimeout);
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        ContainerdLog.Stopped(_logger, process.Id, process.ExitCode);
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private string LogTail()
    {
        try
        {
            var lines = File.ReadAllLines(Paths.Log);
            return string.Join('\n', lines.TakeLast(20));
        }
        catch (IOException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }
}
