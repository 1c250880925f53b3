using System.Diagnostics;

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
    public async Task<NftResult> RunAsync(IReadOnlyList<string> arguments, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(networkNamespacePath is null ? "nft" : "nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (networkNamespacePath is not null)
        {
            psi.ArgumentList.Add("--net=" + networkNamespacePath);
            psi.ArgumentList.Add("nft");
        }
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nft");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), ct).ConfigureAwait(false);
        }
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        return new NftResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
