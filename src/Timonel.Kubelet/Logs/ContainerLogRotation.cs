using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Logs;

/// <summary>
/// Rotates the logs of the node's running containers as upstream's kubelet does
/// (containerLogMaxSize, containerLogMaxFiles). Every <see cref="ContainerLogRotationOptions.MonitorInterval"/>,
/// for each running container whose live log (CRI status log_path) reached MaxSize:
/// <list type="number">
/// <item>leftovers of an interrupted rotation go (<c>*.tmp</c>, an uncompressed file whose <c>.gz</c> exists);</item>
/// <item>the oldest rotated files go until MaxFiles - 2 are left (room for the one made now and the live file);</item>
/// <item>every rotated file still uncompressed is gzipped (the newest one was left plain by the last rotation,
/// so readers that had it open could finish it);</item>
/// <item>the live file is renamed to <c>NAME.TIMESTAMP</c> and the runtime is asked to reopen its log path
/// (CRI ReopenContainerLog), which creates a new live file; if it cannot, the rename is undone.</item>
/// </list>
/// Stopped containers are left alone: they write nothing more. A live file missing (the agent died
/// between rename and reopen) is reopened. Failures are logged and retried the next round; the
/// containers never notice.
/// </summary>
public sealed class ContainerLogRotation
{
    private readonly CriClient _cri;
    private readonly ContainerLogRotationOptions _options;
    private readonly ILogger _logger;

    public ContainerLogRotation(CriClient cri, ContainerLogRotationOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(cri);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        _cri = cri;
        _options = options;
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("Timonel.Kubelet.Logs");
    }

    /// <summary>Rotates every interval until <paramref name="ct"/> is cancelled; returns at once when rotation is disabled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (_options.Disabled)
        {
            return;
        }
        LogRotationLog.Started(_logger, _options.MaxSize, _options.MaxFiles, _options.MonitorInterval);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await RotateAllAsync(ct).ConfigureAwait(false);
                await Task.Delay(_options.MonitorInterval, _options.Time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: a rotation under way was finished first (see RotateIfFullAsync).
        }
    }

    /// <summary>One round over the running containers; returns how many logs were rotated.</summary>
    public async Task<int> RotateAllAsync(CancellationToken ct)
    {
        var running = await _cri.ListContainersAsync(new ContainerFilter
        {
            State = new ContainerStateValue { State = ContainerState.ContainerRunning },
        }, ct).ConfigureAwait(false);
        if (!running.IsSuccess)
        {
            LogRotationLog.ListFailed(_logger, running.Error.ToString());
            return 0;
        }
        var rotated = 0;
        foreach (var container in running.Value)
        {
            ct.ThrowIfCancellationRequested();
            if (await RotateIfFullAsync(container.Id, ct).ConfigureAwait(false))
            {
                rotated++;
            }
        }
        return rotated;
    }

    private async Task<bool> RotateIfFullAsync(string containerId, CancellationToken ct)
    {
        var status = await _cri.ContainerStatusAsync(containerId, cancellationToken: ct).ConfigureAwait(false);
        if (!status.IsSuccess || string.IsNullOrEmpty(status.Value.Status?.LogPath))
        {
            return false; // Removed meanwhile, or it logs nowhere.
        }
        var live = status.Value.Status.LogPath;
        // From here on one container's rotation runs to its end even when the agent stops: cut off
        // between the rename and the reopen, the container would go on writing to the renamed file.
        var uncancelled = CancellationToken.None;
        try
        {
            var info = new FileInfo(live);
            if (!info.Exists)
            {
                // Renamed by a rotation whose reopen never came: the runtime still writes to the renamed file.
                await _cri.ReopenContainerLogAsync(containerId, uncancelled).ConfigureAwait(false);
                return false;
            }
            if (info.Length < _options.MaxSize)
            {
                return false;
            }
            var files = RotatedLogFiles.RemoveOldest(RotatedLogFiles.RemoveLeftovers(RotatedLogFiles.List(live)), _options.MaxFiles - 2);
            foreach (var file in files.Where(f => !f.EndsWith(RotatedLogFiles.CompressedSuffix, StringComparison.Ordinal)))
            {
                await RotatedLogFiles.CompressAsync(file, uncancelled).ConfigureAwait(false);
            }
            if (RotatedLogFiles.RenameLive(live, _options.Time.GetUtcNow()) is not { } rotated)
            {
                return false;
            }
            var reopened = await _cri.ReopenContainerLogAsync(containerId, uncancelled).ConfigureAwait(false);
            if (!reopened.IsSuccess)
            {
                // The container still writes to the renamed file: it gets its name back, and the next round tries again.
                File.Move(rotated, live);
                LogRotationLog.Failed(_logger, containerId, live, reopened.Error.ToString());
                return false;
            }
            LogRotationLog.Rotated(_logger, containerId, rotated);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The pod's log directory removed meanwhile, a full disk, ...
            LogRotationLog.Failed(_logger, containerId, live, e.Message);
            return false;
        }
    }
}
