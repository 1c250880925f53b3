using System.Runtime.InteropServices;

namespace Timonel.Kubelet.Containerd;

/// <summary>The few libc calls .NET does not offer: signals other than SIGKILL, and lazy unmounts.</summary>
internal static partial class Native
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    private const int MNT_DETACH = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>Detaches the mount at <paramref name="target"/>; returns the errno, 0 on success.</summary>
    public static int DetachMount(string target) => Umount2(target, MNT_DETACH) == 0 ? 0 : Marshal.GetLastPInvokeError();
}
