namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The pod's <c>fsGroup</c> on its volumes, as the kubelet applies it (fsGroupChangePolicy
/// Always): every entry's group becomes fsGroup (symlinks themselves, never their targets);
/// files get group read (and write when the volume is writable), directories also group
/// execute and setgid, so files created later inherit the group.
/// </summary>
internal static class VolumeOwnership
{
    private const UnixFileMode ReadWriteMask = (UnixFileMode)0x1B0; // 0660
    private const UnixFileMode ReadOnlyMask = (UnixFileMode)0x120; // 0440
    private const UnixFileMode ExecMask = (UnixFileMode)0x48; // 0110

    /// <summary>The mode a file of a read-only (atomic) volume ends with: its own plus group read.</summary>
    public static int ReadOnlyFileMode(int mode) => mode | (int)ReadOnlyMask;

    /// <summary>Applies fsGroup under <paramref name="root"/>; null on success, else the first failure.</summary>
    public static string? Apply(string root, long fsGroup, bool readOnly)
    {
        var mask = readOnly ? ReadOnlyMask : ReadWriteMask;
        var pending = new Stack<FileSystemInfo>();
        pending.Push(new DirectoryInfo(root));
        while (pending.Count > 0)
        {
            var entry = pending.Pop();
            var errno = VolumeNative.ChangeGroup(entry.FullName, fsGroup);
            if (errno != 0)
            {
                return $"lchown {entry.FullName} to group {fsGroup}: errno {errno}";
            }
            if (entry.LinkTarget is not null)
            {
                // A symlink's mode means nothing; chmod would change its target.
                continue;
            }
            if (entry is DirectoryInfo dir)
            {
                File.SetUnixFileMode(dir.FullName, dir.UnixFileMode | mask | ExecMask | UnixFileMode.SetGroup);
                foreach (var child in dir.EnumerateFileSystemInfos())
                {
                    pending.Push(child);
                }
            }
            else
            {
                File.SetUnixFileMode(entry.FullName, entry.UnixFileMode | mask);
            }
        }
        return null;
    }
}
