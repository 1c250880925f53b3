using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Timonel.Kubelet.Containerd;

/// <summary>
/// Removes every trace of one of our containerds after it stopped (or died): its containers
/// (through runc, which needs no containerd), its shims, the mounts under its root and state
/// (overlay rootfs, shm, pod network namespaces) and its data dir. For uninstall and for tests
/// that must clean up even when they fail. Leaves cgroups to <see cref="CgroupTree"/>: their
/// names come from the pods' cgroup_parent, which the caller chose.
/// </summary>
public static class ContainerdTeardown
{
    public static async Task RemoveAllAsync(ContainerdPaths paths, string runcPath = "runc")
    {
        await DeleteRuncContainersAsync(paths, runcPath).ConfigureAwait(false);
        KillShims(paths.Socket);
        UnmountUnder(paths.Root);
        UnmountUnder(paths.State);
        if (Directory.Exists(paths.DataDir))
        {
            Directory.Delete(paths.DataDir, recursive: true);
        }
    }

    /// <summary>`runc delete --force` for every container in every containerd namespace's runc root.</summary>
    public static async Task DeleteRuncContainersAsync(ContainerdPaths paths, string runcPath = "runc")
    {
        if (!Directory.Exists(paths.RuncRoot))
        {
            return;
        }
        foreach (var namespaceRoot in Directory.EnumerateDirectories(paths.RuncRoot))
        {
            foreach (var container in Directory.EnumerateDirectories(namespaceRoot))
            {
                var info = new ProcessStartInfo(runcPath) { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var arg in new[] { "--root", namespaceRoot, "delete", "--force", Path.GetFileName(container) })
                {
                    info.ArgumentList.Add(arg);
                }
                using var runc = Process.Start(info)!;
                await runc.WaitForExitAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>SIGKILLs the containerd-shim processes that serve the containerd at <paramref name="socket"/>.</summary>
    public static int KillShims(string socket)
    {
        var killed = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            var addressAt = Array.IndexOf(argv, "-address");
            if (argv[0].Contains("containerd-shim", StringComparison.Ordinal) && addressAt >= 0
                && addressAt + 1 < argv.Length && argv[addressAt + 1] == socket
                && Native.Signal(pid, Native.SIGKILL))
            {
                killed++;
            }
        }
        return killed;
    }

    /// <summary>Lazily unmounts every mount point at or below <paramref name="directory"/>, deepest first.</summary>
    public static int UnmountUnder(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var targets = MountPoints()
            .Where(m => m == prefix || m.StartsWith(prefix + "/", StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var target in targets)
        {
            Native.DetachMount(target);
        }
        return targets.Count;
    }

    /// <summary>Mount points from /proc/self/mountinfo, with its octal escapes (\040 for space) decoded.</summary>
    public static IEnumerable<string> MountPoints() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(line => Unescape(line.Split(' ')[4]));

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var bytes = new List<byte>();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                bytes.Add(Convert.ToByte(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.Add((byte)field[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
