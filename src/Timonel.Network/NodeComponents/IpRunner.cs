using Timonel.Network.Host;

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
    private readonly HostCommands _commands = new();

    public async Task<IpResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var result = await _commands.RunAsync("ip", arguments, null, ct).ConfigureAwait(false);
        return new IpResult(result.ExitCode, result.Output, result.Error);
    }
}
