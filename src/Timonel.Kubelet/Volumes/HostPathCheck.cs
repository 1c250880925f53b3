namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The kubelet's hostPath type check, run before every mount: the <c>...OrCreate</c> types create a
/// missing directory (0755) or empty file (0644); the others require the path to exist with that
/// type. An empty type checks nothing. Symlinks are followed, as stat(2) does.
/// </summary>
public static class HostPathCheck
{
    /// <summary>Null when the path fits; otherwise the kubelet's message.</summary>
    public static string? Check(string path, string? type)
    {
        switch (type ?? "")
        {
            case "":
                return null;
            case "DirectoryOrCreate":
                if (!Exists(path))
                {
                    return MakeDir(path);
                }
                return Expect(path, "Directory", "directory");
            case "Directory":
                return Expect(path, "Directory", "directory");
            case "FileOrCreate":
                if (!Exists(path))
                {
                    return MakeFile(path);
                }
                return Expect(path, "File", "file");
            case "File":
                return Expect(path, "File", "file");
            case "Socket":
                return Expect(path, "Socket", "socket file");
            case "CharDevice":
                return Expect(path, "CharDevice", "character device");
            case "BlockDevice":
                return Expect(path, "BlockDevice", "block device");
            default:
                return $"{type} is an invalid volume type";
        }
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || TypeOf(path) is not null;

    private static string? Expect(string path, string expected, string description)
    {
        if (!Exists(path))
        {
            return $"hostPath {path} doesn't exist";
        }
        var actual = TypeOf(path);
        if (actual is null)
        {
            return $"hostPath type check failed, {path} is not a {description}, unable to determine its type";
        }
        return actual == expected ? null : $"hostPath type check failed: {path} is not a {description}, it's a {actual}";
    }

    /// <summary>The file type after following symlinks (stat(2)), named as the HostPathType values are.</summary>
    private static string? TypeOf(string path) => StatType(path);

    private static string? StatType(string path)
    {
        var mode = VolumeNative.FileTypeBits(path);
        return mode switch
        {
            null => null,
            VolumeNative.S_IFDIR => "Directory",
            VolumeNative.S_IFREG => "File",
            VolumeNative.S_IFSOCK => "Socket",
            VolumeNative.S_IFCHR => "CharDevice",
            VolumeNative.S_IFBLK => "BlockDevice",
            _ => "Unknown",
        };
    }

    private static string? MakeDir(string path)
    {
        try
        {
            Directory.CreateDirectory(path, (UnixFileMode)0x1ED);
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
        catch (UnauthorizedAccessException e)
        {
            return e.Message;
        }
    }

    private static string? MakeFile(string path)
    {
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.Write,
                UnixCreateMode = (UnixFileMode)0x1A4,
            });
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
        catch (UnauthorizedAccessException e)
        {
            return e.Message;
        }
    }
}
