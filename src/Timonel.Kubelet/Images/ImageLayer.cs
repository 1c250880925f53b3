using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Timonel.Kubelet.Images;

/// <summary>
/// The files of one image layer, written as a tar the same way every time: sorted paths, owner
/// root, one fixed modification time. Equal inputs give equal digests, so re-importing an
/// unchanged image is a no-op for containerd.
/// </summary>
public sealed class ImageLayer
{
    private static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly SortedDictionary<string, Func<TarEntry>> _entries = new(StringComparer.Ordinal);

    public const UnixFileMode Executable = (UnixFileMode)0b111_101_101; // 0755

    public const UnixFileMode Regular = (UnixFileMode)0b110_100_100; // 0644

    /// <summary>A directory, and its parents when they are not in the layer yet.</summary>
    public ImageLayer AddDirectory(string path, UnixFileMode mode = Executable)
    {
        var name = Normalize(path) + "/";
        AddParents(name.TrimEnd('/'));
        _entries[name] = () => new UstarTarEntry(TarEntryType.Directory, name) { Mode = mode, ModificationTime = FixedTime };
        return this;
    }

    public ImageLayer AddFile(string path, byte[] content, UnixFileMode mode = Regular)
    {
        var name = Normalize(path);
        AddParents(name);
        _entries[name] = () => new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = mode,
            ModificationTime = FixedTime,
            DataStream = new MemoryStream(content, writable: false),
        };
        return this;
    }

    public ImageLayer AddFileFrom(string path, string sourceFile, UnixFileMode mode = Executable) =>
        AddFile(path, File.ReadAllBytes(sourceFile), mode);

    public ImageLayer AddSymlink(string path, string target)
    {
        var name = Normalize(path);
        AddParents(name);
        _entries[name] = () => new UstarTarEntry(TarEntryType.SymbolicLink, name)
        {
            LinkName = target,
            Mode = (UnixFileMode)0b111_111_111,
            ModificationTime = FixedTime,
        };
        return this;
    }

    /// <summary>The uncompressed tar (its digest is the config's diff_id) and its gzip (the blob).</summary>
    public (byte[] Tar, byte[] Gzip) Build()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var make in _entries.Values)
            {
                writer.WriteEntry(make());
            }
        }
        var tarBytes = tar.ToArray();
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            compressor.Write(tarBytes);
        }
        return (tarBytes, gzip.ToArray());
    }

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private void AddParents(string name)
    {
        var slash = name.LastIndexOf('/');
        while (slash > 0)
        {
            var parent = name[..slash] + "/";
            if (!_entries.ContainsKey(parent))
            {
                _entries[parent] = () => new UstarTarEntry(TarEntryType.Directory, parent) { Mode = Executable, ModificationTime = FixedTime };
            }
            slash = name.LastIndexOf('/', slash - 1);
        }
    }

    /// <summary>Layer paths are relative ("bin/sh"), never absolute or climbing out.</summary>
    private static string Normalize(string path)
    {
        var name = path.Trim('/');
        if (name.Length == 0 || name.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"not a clean layer path: {path}", nameof(path));
        }
        return name;
    }
}
