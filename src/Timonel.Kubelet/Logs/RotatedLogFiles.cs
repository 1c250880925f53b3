using System.Globalization;
using System.IO.Compression;

namespace Timonel.Kubelet.Logs;

/// <summary>
/// The files of one container log as upstream's kubelet lays them out: the live file <c>NAME</c>
/// (e.g. <c>0.log</c>) the runtime writes to, rotated files <c>NAME.YYYYMMDD-hhmmss</c> (UTC here),
/// the older of them gzipped to <c>NAME.YYYYMMDD-hhmmss.gz</c>. The timestamp sorts as text, so
/// ordinal order is age order. A rotation cut off midway leaves <c>*.tmp</c> files, or an
/// uncompressed file next to its finished <c>.gz</c>; both are leftovers removed at the next one.
/// </summary>
internal static class RotatedLogFiles
{
    public const string TimestampFormat = "yyyyMMdd-HHmmss";
    public const string CompressedSuffix = ".gz";
    public const string TemporarySuffix = ".tmp";

    /// <summary>Every <c>NAME.*</c> file next to the live log, oldest first.</summary>
    public static List<string> List(string live)
    {
        var dir = Path.GetDirectoryName(live) ?? ".";
        var prefix = Path.GetFileName(live) + ".";
        return Directory.EnumerateFiles(dir)
            .Where(f => Path.GetFileName(f).StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Removes the leftovers of an interrupted rotation; returns the files still in use, oldest first.</summary>
    public static List<string> RemoveLeftovers(List<string> files)
    {
        var inUse = new List<string>();
        foreach (var file in files)
        {
            var leftover = file.EndsWith(TemporarySuffix, StringComparison.Ordinal)
                || (!file.EndsWith(CompressedSuffix, StringComparison.Ordinal) && files.Contains(file + CompressedSuffix));
            if (leftover)
            {
                File.Delete(file);
            }
            else
            {
                inUse.Add(file);
            }
        }
        return inUse;
    }

    /// <summary>Keeps the newest <paramref name="keep"/> files, removing the oldest first; returns the kept ones, oldest first.</summary>
    public static List<string> RemoveOldest(List<string> files, int keep)
    {
        var excess = Math.Max(0, files.Count - Math.Max(0, keep));
        foreach (var file in files.Take(excess))
        {
            File.Delete(file);
        }
        return files.Skip(excess).ToList();
    }

    /// <summary>
    /// Gzips <paramref name="file"/> to <c>file.gz</c> through a temporary file renamed into place,
    /// then removes the original: at every moment one complete copy exists.
    /// </summary>
    public static async Task CompressAsync(string file, CancellationToken ct)
    {
        var temporary = file + TemporarySuffix;
        try
        {
            await using (var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            await using (var target = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            await using (var gzip = new GZipStream(target, CompressionLevel.Optimal))
            {
                await source.CopyToAsync(gzip, ct).ConfigureAwait(false);
            }
            File.Move(temporary, file + CompressedSuffix, overwrite: true);
            File.Delete(file);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Renames the live file to <c>NAME.TIMESTAMP</c>; null (nothing renamed) when that name is
    /// taken, i.e. a second rotation within the same second, which must not overwrite the first.
    /// </summary>
    public static string? RenameLive(string live, DateTimeOffset now)
    {
        var rotated = live + "." + now.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        if (File.Exists(rotated) || File.Exists(rotated + CompressedSuffix))
        {
            return null;
        }
        File.Move(live, rotated);
        return rotated;
    }
}
