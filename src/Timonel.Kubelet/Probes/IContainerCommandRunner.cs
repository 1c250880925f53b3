using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Probes;

/// <summary>Runs a command in a running container and waits for it (CRI ExecSync): exec probes and exec hooks.</summary>
public interface IContainerCommandRunner
{
    /// <summary><paramref name="timeout"/> zero: no limit of its own (the CRI call limit still applies).</summary>
    Task<CriResult<ExecSyncResult>> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct);
}

/// <summary>The real runner: the node's CRI client.</summary>
public sealed class CriCommandRunner(CriClient cri) : IContainerCommandRunner
{
    public Task<CriResult<ExecSyncResult>> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct) =>
        cri.ExecSyncAsync(containerId, command, timeout, ct);
}
