using System.Diagnostics;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Imports OCI archives into a containerd's k8s.io namespace (the one CRI serves) with the `ctr`
/// binary of the containerd package. The import unpacks onto the default (overlayfs) snapshotter,
/// so CRI can run the image at once.
/// </summary>
public static class ContainerdImageImport
{
    public const string CriNamespace = "k8s.io";

    /// <summary>Imports <paramref name="archivePath"/>; a failing ctr is broken infrastructure and throws with its output.</summary>
    public static async Task ImportAsync(string containerdSocket, string archivePath, string ctrPath = "ctr", CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(ctrPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--address", containerdSocket, "--namespace", CriNamespace, "images", "import", archivePath })
        {
            info.ArgumentList.Add(arg);
        }
        using var ctr = Process.Start(info) ?? throw new InvalidOperationException($"{ctrPath} did not start");
        var stdout = ctr.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = ctr.StandardError.ReadToEndAsync(cancellationToken);
        await ctr.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (ctr.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"ctr images import {archivePath} exited with {ctr.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }
    }
}
