using k8s.Models;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// exec: the command runs in the container through CRI ExecSync; exit code 0 passes. The output
/// (stdout then stderr) is what the Unhealthy event shows; a command still running at the
/// timeout fails the attempt (containerd kills it), as upstream does since exec probe timeouts
/// are enforced.
/// </summary>
public sealed class ExecProbe(IContainerCommandRunner runner)
{
    public async Task<ProbeOutcome> RunAsync(string containerId, V1ExecAction exec, TimeSpan timeout, CancellationToken ct)
    {
        var command = exec.Command ?? [];
        if (command.Count == 0)
        {
            return ProbeOutcome.Error("exec probe has no command");
        }
        var result = await runner.ExecSyncAsync(containerId, [.. command], timeout, ct).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return result.Error.Kind == CriErrorKind.Timeout || IsExecTimeout(result.Error)
                ? ProbeOutcome.Failure($"command \"{string.Join(' ', command)}\" timed out")
                : ProbeOutcome.Error($"exec failed: {result.Error.Message}");
        }
        var output = result.Value.StdoutText + result.Value.StderrText;
        return result.Value.ExitCode == 0 ? ProbeOutcome.Success(output) : ProbeOutcome.Failure(output);
    }

    // containerd answers an ExecSync whose command outlives its timeout with DeadlineExceeded
    // or with an error naming the timeout, depending on where the limit struck.
    private static bool IsExecTimeout(CriError error) =>
        error.Code == Grpc.Core.StatusCode.DeadlineExceeded
        || error.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase)
        || error.Message.Contains("deadline exceeded", StringComparison.OrdinalIgnoreCase);
}
