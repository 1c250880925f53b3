using System.Diagnostics;

namespace Timonel.Network.Host;

/// <summary>What one command printed. A non-zero exit is an expected failure (a value): the kernel refused something.</summary>
public readonly record struct CommandResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public override string ToString() => Ok ? "ok" : $"exit {ExitCode}: {Error.Trim()}";
}

/// <summary>Runs a host command (ip, bridge, nft, arping) in the network namespace a node part programs.</summary>
public interface IHostCommands
{
    /// <summary><paramref name="file"/> with these arguments, <paramref name="stdin"/> fed to it (e.g. a batch for `-batch -`).</summary>
    Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, string? stdin, CancellationToken ct);
}

/// <summary>
/// The real commands, in the current network namespace or, through `nsenter --net=PATH`, in
/// another (tests: /var/run/netns/NAME). nsenter enters the network namespace only, which is all
/// ip, bridge, nft and sysctl (whose /proc/sys/net is the opener's namespace) need.
/// </summary>
public sealed class HostCommands(string? networkNamespacePath = null) : IHostCommands
{
    public async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(networkNamespacePath is null ? file : "nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (networkNamespacePath is not null)
        {
            psi.ArgumentList.Add("--net=" + networkNamespacePath);
            psi.ArgumentList.Add(file);
        }
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
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
        return new CommandResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
