using System.Diagnostics;

namespace Timonel.Network.NodeComponents;

/// <summary>What one `ip` (iproute2) run printed; a non-zero exit is an expected failure (a value).</summary>
public readonly record struct IpResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public override string ToString() => Ok ? "ok" : $"ip exited {ExitCode}: {Error.Trim()}";
}

/// <summary>Runs iproute2's `ip` in the agent's own network namespace (the node's).</summary>
public interface IIpRunner
{
    Task<IpResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct);
}

public sealed class IpProcessRunner : IIpRunner
{
    public async Task<IpResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start ip");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        return new IpResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
