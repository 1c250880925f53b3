using Timonel.Network.Host;

namespace Timonel.Network.ServiceProxy;

/// <summary>What one nft run printed. A non-zero exit is an expected failure (a value), e.g. a script the kernel refused.</summary>
public readonly record struct NftResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public override string ToString() => Ok ? "ok" : $"nft exited {ExitCode}: {Error.Trim()}";
}

/// <summary>Runs the nft command line in the network namespace the proxy programs.</summary>
public interface INftRunner
{
    /// <summary>nft with these arguments, <paramref name="stdin"/> fed to it (e.g. a script for `-f -`).</summary>
    Task<NftResult> RunAsync(IReadOnlyList<string> arguments, string? stdin, CancellationToken ct);
}

/// <summary>
/// The real nft (Debian's nftables), in the current network namespace or, through
/// `nsenter --net=PATH`, in another (e.g. /var/run/netns/NAME). nsenter enters the network
/// namespace only: `ip netns exec` would also remount /sys, which nft does not need.
/// </summary>
public sealed class NftProcessRunner(string? networkNamespacePath = null) : INftRunner
{
    private readonly HostCommands _commands = new(networkNamespacePath);

    public async Task<NftResult> RunAsync(IReadOnlyList<string> arguments, string? stdin, CancellationToken ct)
    {
        var result = await _commands.RunAsync("nft", arguments, stdin, ct).ConfigureAwait(false);
        return new NftResult(result.ExitCode, result.Output, result.Error);
    }
}
