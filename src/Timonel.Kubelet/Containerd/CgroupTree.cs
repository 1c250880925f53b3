using System.Globalization;

namespace Timonel.Kubelet.Containerd;

/// <summary>
/// A cgroup path (like a pod's cgroup_parent) across every cgroup v1 hierarchy and the v2 one
/// mounted under /sys/fs/cgroup. With the cgroupfs driver runc creates the same relative path in
/// each hierarchy, so removing a tree means removing it from all of them.
/// </summary>
public static class CgroupTree
{
    public const string MountRoot = "/sys/fs/cgroup";

    /// <summary>Every existing directory for <paramref name="relativePath"/>, one per hierarchy.</summary>
    public static IEnumerable<string> Directories(string relativePath)
    {
        var relative = relativePath.Trim('/');
        if (relative.Length == 0)
        {
            throw new ArgumentException("refusing the root cgroup", nameof(relativePath));
        }
        foreach (var hierarchy in HierarchyRoots())
        {
            var dir = Path.Combine(hierarchy, relative);
            if (Directory.Exists(dir))
            {
                yield return dir;
            }
        }
    }

    /// <summary>The v1 hierarchies (/sys/fs/cgroup/memory, ...) and the v2 one, or /sys/fs/cgroup itself when it is pure v2.</summary>
    public static IEnumerable<string> HierarchyRoots()
    {
        if (File.Exists(Path.Combine(MountRoot, "cgroup.controllers")))
        {
            return [MountRoot];
        }
        return Directory.EnumerateDirectories(MountRoot)
            .Where(d => File.Exists(Path.Combine(d, "cgroup.procs")) && !IsSymlink(d));
    }

    /// <summary>
    /// Kills the processes in the tree and removes its directories, children first, in every
    /// hierarchy. Returns how many directories were left (0 when everything is gone).
    /// </summary>
    public static async Task<int> RemoveAsync(string relativePath)
    {
        var left = 0;
        foreach (var top in Directories(relativePath).ToList())
        {
            var dirs = Directory.EnumerateDirectories(top, "*", SearchOption.AllDirectories)
                .OrderByDescending(d => d.Length)
                .Append(top)
                .ToList();
            foreach (var dir in dirs)
            {
                if (!await TryRemoveAsync(dir).ConfigureAwait(false))
                {
                    left++;
                }
            }
        }
        return left;
    }

    private static async Task<bool> TryRemoveAsync(string dir)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            foreach (var pid in Pids(dir))
            {
                Native.Signal(pid, Native.SIGKILL);
            }
            try
            {
                Directory.Delete(dir); // rmdir: a cgroup's files are not real and go with it
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return true;
            }
            catch (IOException)
            {
                // Busy until the killed processes are reaped by their parents.
                await Task.Delay(20).ConfigureAwait(false);
            }
        }
        return false;
    }

    private static IEnumerable<int> Pids(string dir)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(dir, "cgroup.procs"))
                .Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static bool IsSymlink(string path) => new DirectoryInfo(path).LinkTarget is not null;
}
