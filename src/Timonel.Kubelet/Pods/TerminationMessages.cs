using System.Globalization;
using System.Text;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Termination messages as the kubelet keeps them. Each container instance gets an empty file of
/// its own (mode 0666, so any user can write it) under <c>PODDIR/containers/NAME/</c>, bind-mounted
/// at its terminationMessagePath. Once the instance exited, the message is that file (first 4 KiB);
/// when it is empty, the container failed and terminationMessagePolicy is FallbackToLogsOnError,
/// it is the tail of the container's log (the last 80 lines, at most 2048 bytes of them). The
/// mount is found again from CRI's status (mounts and the terminationMessagePath annotation), so a
/// container adopted after an agent restart keeps its message.
/// </summary>
internal static class TerminationMessages
{
    public const string DefaultPath = "/dev/termination-log";
    private const int MaxFileBytes = 4 * 1024;
    private const int MaxLogLines = 80;
    private const int MaxLogBytes = 2048;

    // How much of a log's end is read to find its last lines; longer lines are cut, as they may be.
    private const int LogTailWindow = 64 * 1024;

    public static string PathOf(V1Container container) =>
        string.IsNullOrEmpty(container.TerminationMessagePath) ? DefaultPath : container.TerminationMessagePath;

    /// <summary>Creates the (empty) file of one instance and returns its mount.</summary>
    public static ContainerMount Prepare(string podDir, V1Container container, int restartCount)
    {
        var dir = Path.Combine(podDir, "containers", container.Name);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, restartCount.ToString(CultureInfo.InvariantCulture));
        File.WriteAllBytes(file, []);
        // Not subject to the umask: a container running as any user must be able to write it.
        File.SetUnixFileMode(file, (UnixFileMode)0b110_110_110);
        return new ContainerMount(PathOf(container), file, ReadOnly: false);
    }

    /// <summary>The messages of the pod's exited instances, by container id (only the non-empty ones).</summary>
    public static Dictionary<string, string> Read(V1Pod pod, PodRuntimeView view)
    {
        var specs = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var messages = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instance in view.All.Where(i => i.IsExited))
        {
            specs.TryGetValue(instance.Name, out var spec);
            var message = MessageOf(instance, spec);
            if (!string.IsNullOrEmpty(message))
            {
                messages[instance.Id] = message;
            }
        }
        return messages;
    }

    private static string MessageOf(ContainerInstance instance, V1Container? spec)
    {
        var status = instance.Status;
        var path = status.Annotations.TryGetValue(CriLabels.TerminationMessagePath, out var p) ? p : spec is null ? DefaultPath : PathOf(spec);
        var mount = status.Mounts.FirstOrDefault(m => m.ContainerPath == path);
        var message = mount is null ? "" : ReadHead(mount.HostPath, MaxFileBytes);
        if (message.Length == 0 && status.ExitCode != 0 && spec?.TerminationMessagePolicy == "FallbackToLogsOnError")
        {
            message = LogTail(status.LogPath);
        }
        return message;
    }

    private static string ReadHead(string path, int max)
    {
        try
        {
            using var file = File.OpenRead(path);
            var buffer = new byte[max];
            var read = file.ReadAtLeast(buffer, max, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Removed with the pod, or never created (an instance from before this agent): no message.
            return "";
        }
    }

    /// <summary>The last lines of a CRI log (<c>TIME STREAM TAG CONTENT</c>, tag P for a partial line), content only.</summary>
    internal static string LogTail(string logPath)
    {
        string text;
        try
        {
            using var file = File.OpenRead(logPath);
            var start = Math.Max(0, file.Length - LogTailWindow);
            file.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(file, Encoding.UTF8);
            text = reader.ReadToEnd();
            if (start > 0 && text.IndexOf('\n') is var cut and >= 0)
            {
                text = text[(cut + 1)..];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', 4);
            if (fields.Length < 3)
            {
                continue;
            }
            current.Append(fields.Length == 4 ? fields[3] : "");
            if (fields[2] != "P")
            {
                lines.Add(current.ToString());
                current.Clear();
            }
        }
        var tail = string.Concat(lines.Skip(Math.Max(0, lines.Count - MaxLogLines)).Select(l => l + "\n"));
        var bytes = Encoding.UTF8.GetBytes(tail);
        // As the kubelet reads it: the tail's lines from their start, up to the byte limit.
        return bytes.Length <= MaxLogBytes ? tail : Encoding.UTF8.GetString(bytes, 0, MaxLogBytes);
    }
}
