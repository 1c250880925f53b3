using System.Runtime.InteropServices;

namespace Timonel.Kubelet.Volumes;

/// <summary>The libc calls volumes need and .NET lacks: stat's file type, mount and unmount of tmpfs.</summary>
internal static partial class VolumeNative
{
    public const int S_IFMT = 0xF000;
    public const int S_IFSOCK = 0xC000;
    public const int S_IFREG = 0x8000;
    public const int S_IFBLK = 0x6000;
    public const int S_IFDIR = 0x4000;
    public const int S_IFCHR = 0x2000;
    private const int MNT_DETACH = 2;

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, Span<byte> buf);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string fstype, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string from, string to);

    /// <summary>rename(2): atomically replaces <paramref name="to"/>, symlinks included (File.Move follows them).</summary>
    public static void Rename(string from, string to)
    {
        if (RenameNative(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownNative(string path, uint owner, uint group);

    /// <summary>lchown(2) of the group only (the link itself, never its target); returns the errno, 0 on success.</summary>
    public static int ChangeGroup(string path, long gid) =>
        LchownNative(path, uint.MaxValue, (uint)gid) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    /// <summary>realpath(3): every symlink resolved; null when the path does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>st_mode &amp; S_IFMT of the path (symlinks followed); null when it does not exist.</summary>
    public static int? FileTypeBits(string path)
    {
        // struct stat (glibc 2.33+ exports stat): st_mode sits after st_dev, st_ino and (on x86-64)
        // the 8-byte st_nlink; on arm64 st_nlink is 4 bytes and comes after st_mode.
        Span<byte> buf = stackalloc byte[256];
        if (Stat(path, buf) != 0)
        {
            return null;
        }
        var offset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        return BitConverter.ToInt32(buf[offset..]) & S_IFMT;
    }

    /// <summary>Mounts a tmpfs at <paramref name="target"/>; returns the errno, 0 on success.</summary>
    public static int MountTmpfs(string target, string? options) =>
        Mount("tmpfs", target, "tmpfs", 0, options) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Detaches the mount at <paramref name="target"/>; returns the errno, 0 on success.</summary>
    public static int Unmount(string target) => Umount2(target, MNT_DETACH) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Mount points at or under <paramref name="root"/> (from /proc/self/mountinfo), deepest first.</summary>
    public static List<string> MountsUnder(string root)
    {
        var prefix = root.TrimEnd('/');
        var result = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }
            var point = Unescape(fields[4]);
            if (point == prefix || point.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                result.Add(point);
            }
        }
        return result.OrderByDescending(p => p.Length).ToList();
    }

    public static bool IsMountPoint(string path) => MountsUnder(path).Contains(path.TrimEnd('/'));

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal (\040).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var sb = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }
}
