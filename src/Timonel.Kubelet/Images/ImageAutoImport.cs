using System.Text.Json;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Containerd;

namespace Timonel.Kubelet.Images;

/// <summary>What one archive of the images directory came to.</summary>
/// <param name="Error">Null when imported (or already imported); a failed archive is retried at the next start.</param>
public sealed record AutoImportResult(string Archive, bool Skipped, string? Error);

/// <summary>
/// Imports every <c>*.tar</c> (OCI or docker archive) of the agent's <c>images/</c> directory into its
/// containerd at agent start, as k3s does with its images directory. An archive already imported
/// with the same size and modification time is skipped; the record of imports lives in
/// containerd's own data dir, so a wiped image store also forgets what it had imported.
/// </summary>
public static class ImageAutoImport
{
    public const string ImagesDirName = "images";
    public const string StateFileName = "timonel-imported-images.json";

    /// <summary>Imports what is new under <c>AGENTDIR/images</c> into the containerd at <paramref name="containerd"/>; containerd must be running.</summary>
    public static async Task<IReadOnlyList<AutoImportResult>> RunAsync(string agentDir, ContainerdPaths containerd, ILogger logger,
        CancellationToken ct, string ctrPath = "ctr")
    {
        var imagesDir = Path.Combine(agentDir, ImagesDirName);
        if (!Directory.Exists(imagesDir))
        {
            return [];
        }
        var statePath = Path.Combine(containerd.DataDir, StateFileName);
        var state = await LoadAsync(statePath, ct).ConfigureAwait(false);
        var results = new List<AutoImportResult>();
        foreach (var archive in Directory.EnumerateFiles(imagesDir, "*.tar").Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(archive);
            var stamp = new ArchiveStamp(info.Length, info.LastWriteTimeUtc.Ticks);
            if (state.TryGetValue(info.Name, out var seen) && seen == stamp)
            {
                results.Add(new AutoImportResult(archive, Skipped: true, null));
                continue;
            }
            try
            {
                await ContainerdImageImport.ImportAsync(containerd.Socket, archive, ctrPath, ct).ConfigureAwait(false);
                state[info.Name] = stamp;
                await SaveAsync(statePath, state, ct).ConfigureAwait(false);
                ImageLog.Imported(logger, archive);
                results.Add(new AutoImportResult(archive, Skipped: false, null));
            }
            catch (InvalidOperationException e)
            {
                // A bad archive must not keep the node from starting; its pods report the missing image.
                ImageLog.ImportFailed(logger, archive, e);
                results.Add(new AutoImportResult(archive, Skipped: false, e.Message));
            }
        }
        return results;
    }

    internal sealed record ArchiveStamp(long Size, long ModifiedTicks);

    private static async Task<Dictionary<string, ArchiveStamp>> LoadAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            return new(StringComparer.Ordinal);
        }
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, ImageJsonContext.Default.DictionaryStringArchiveStamp, ct).ConfigureAwait(false)
                ?? new(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            // A torn or foreign file only costs re-imports, which are idempotent.
            return new(StringComparer.Ordinal);
        }
    }

    private static async Task SaveAsync(string path, Dictionary<string, ArchiveStamp> state, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, state, ImageJsonContext.Default.DictionaryStringArchiveStamp, ct).ConfigureAwait(false);
        }
        File.Move(temp, path, overwrite: true);
    }
}
