using System.Globalization;
using System.Security.Cryptography;

namespace Timonel.Kubelet.Volumes;

/// <summary>One file of a volume's payload: its bytes and permission bits (e.g. 0644).</summary>
public sealed record FileProjection(byte[] Data, int Mode);

/// <summary>
/// Writes a volume's files the way the kubelet's atomic writer does, so a reader never sees a
/// half-updated set and an update reaches containers that bind-mount the volume directory:
/// <list type="number">
/// <item>the payload goes into a fresh hidden directory <c>..YYYY_MM_DD_HH_MM_SS.NNNNNNNNN</c>;</item>
/// <item>a symlink <c>..data_tmp</c> -> that directory is renamed over <c>..data</c> (rename is atomic);</item>
/// <item>each top-level user-visible name is a symlink <c>name</c> -> <c>..data/name</c>;</item>
/// <item>names no longer in the payload and the previous hidden directory are removed.</item>
/// </list>
/// An unchanged payload writes nothing, so a resync every few seconds costs only a compare.
/// </summary>
public static class AtomicWriter
{
    public const string DataDirName = "..data";
    private const string NewDataDirName = "..data_tmp";

    /// <summary>Checks every payload path: relative, no <c>..</c> element, not starting with <c>..</c>.</summary>
    public static string? Validate(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (path.Length == 0)
            {
                return "invalid path: must not be empty";
            }
            if (path.StartsWith('/'))
            {
                return $"invalid path: must be relative path: {path}";
            }
            if (path.StartsWith("..", StringComparison.Ordinal))
            {
                return $"invalid path: must not start with '..': {path}";
            }
            if (path.Split('/').Contains(".."))
            {
                return $"invalid path: must not contain '..': {path}";
            }
        }
        return null;
    }

    /// <summary>Makes <paramref name="targetDir"/> hold exactly <paramref name="payload"/>. True when files changed.</summary>
    public static bool Write(string targetDir, IReadOnlyDictionary<string, FileProjection> payload, TimeProvider time)
    {
        Directory.CreateDirectory(targetDir);
        var payloadClean = payload.ToDictionary(kv => Clean(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        var dataLink = Path.Combine(targetDir, DataDirName);
        var oldTsName = new FileInfo(dataLink).LinkTarget;
        var oldTsDir = oldTsName is null ? null : Path.Combine(targetDir, oldTsName);

        var changed = oldTsDir is null || !Directory.Exists(oldTsDir) || !SameContent(oldTsDir, payloadClean);
        if (changed)
        {
            var tsDir = NewTimestampedDir(targetDir, time);
            foreach (var (path, file) in payloadClean)
            {
                var full = Path.Combine(tsDir, path);
                var parent = Path.GetDirectoryName(full)!;
                if (!Directory.Exists(parent))
                {
                    Directory.CreateDirectory(parent, DirMode);
                }
                File.WriteAllBytes(full, file.Data);
                File.SetUnixFileMode(full, (UnixFileMode)(file.Mode & 0x1FF));
            }
            var tmpLink = Path.Combine(targetDir, NewDataDirName);
            if (new FileInfo(tmpLink).LinkTarget is not null)
            {
                File.Delete(tmpLink);
            }
            File.CreateSymbolicLink(tmpLink, Path.GetFileName(tsDir));
            // rename(2) replaces the old ..data link in one step: readers see the old set or the new one.
            VolumeNative.Rename(tmpLink, dataLink);
        }

        var visible = payloadClean.Keys.Select(p => p.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var name in visible)
        {
            var link = Path.Combine(targetDir, name);
            if (new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, Path.Combine(DataDirName, name));
            }
        }
        foreach (var entry in new DirectoryInfo(targetDir).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith("..", StringComparison.Ordinal) && !visible.Contains(entry.Name) && entry.LinkTarget is not null)
            {
                entry.Delete();
            }
        }
        if (changed && oldTsDir is not null && Directory.Exists(oldTsDir))
        {
            Directory.Delete(oldTsDir, recursive: true);
        }
        return changed;
    }

    private const UnixFileMode DirMode = (UnixFileMode)0x1ED; // 0755

    private static string Clean(string path) => string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));

    private static string NewTimestampedDir(string targetDir, TimeProvider time)
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy_MM_dd_HH_mm_ss", CultureInfo.InvariantCulture);
        while (true)
        {
            var name = $"..{stamp}.{RandomNumberGenerator.GetInt32(1_000_000_000):D9}";
            var path = Path.Combine(targetDir, name);
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(path, DirMode);
                File.SetUnixFileMode(path, DirMode);
                return path;
            }
        }
    }

    private static bool SameContent(string dir, Dictionary<string, FileProjection> payload)
    {
        var existing = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f)).ToHashSet(StringComparer.Ordinal);
        if (existing.Count != payload.Count || !payload.Keys.All(existing.Contains))
        {
            return false;
        }
        foreach (var (path, file) in payload)
        {
            var full = Path.Combine(dir, path);
            if ((int)File.GetUnixFileMode(full) != (file.Mode & 0x1FF) || !File.ReadAllBytes(full).AsSpan().SequenceEqual(file.Data))
            {
                return false;
            }
        }
        return true;
    }
}
