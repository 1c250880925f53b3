using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Timonel.Kubelet.Agent;

/// <summary>What the node reports about the machine it runs on, read from the real machine.</summary>
public static class NodeFacts
{
    /// <summary>cpu (processors), memory (/proc/meminfo MemTotal), ephemeral-storage (the data dir's file system), pods.</summary>
    public static Dictionary<string, ResourceQuantity> Capacity(string dataDir, int maxPods) => new()
    {
        ["cpu"] = new(Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
        ["memory"] = new(MemTotalKib().ToString(CultureInfo.InvariantCulture) + "Ki"),
        ["ephemeral-storage"] = new(new DriveInfo(dataDir).TotalSize.ToString(CultureInfo.InvariantCulture)),
        ["pods"] = new(maxPods.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>Total memory in KiB; 0 when /proc/meminfo has no MemTotal line (never on Linux).</summary>
    public static long MemTotalKib() => MeminfoKib("MemTotal:");

    public static long MemAvailableKib() => MeminfoKib("MemAvailable:");

    private static long MeminfoKib(string key)
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    /// <summary>nodeInfo: kernel, OS image (PRETTY_NAME of /etc/os-release), runtime and kubelet versions.</summary>
    public static V1NodeSystemInfo SystemInfo(string runtimeVersion, string kubeletVersion) => new()
    {
        Architecture = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            _ => "amd64",
        },
        OperatingSystem = "linux",
        KernelVersion = ReadTrimmed("/proc/sys/kernel/osrelease"),
        OsImage = OsImage(),
        ContainerRuntimeVersion = runtimeVersion,
        KubeletVersion = kubeletVersion,
        KubeProxyVersion = "",
        BootID = ReadTrimmed("/proc/sys/kernel/random/boot_id"),
        MachineID = ReadTrimmed("/etc/machine-id"),
        SystemUUID = ReadTrimmed("/sys/class/dmi/id/product_uuid"),
    };

    public static string OsImage()
    {
        if (!File.Exists("/etc/os-release"))
        {
            return "Linux";
        }
        foreach (var line in File.ReadLines("/etc/os-release"))
        {
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            {
                return line["PRETTY_NAME=".Length..].Trim('"');
            }
        }
        return "Linux";
    }

    /// <summary>
    /// The address this machine uses to reach <paramref name="server"/>: a UDP socket "connected"
    /// to it gets the route's source address without sending anything.
    /// </summary>
    public static IPAddress SourceAddressTowards(Uri server)
    {
        var target = IPAddress.TryParse(server.Host, out var ip) ? ip : Dns.GetHostAddresses(server.Host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(new IPEndPoint(target, server.Port > 0 ? server.Port : 443));
        return ((IPEndPoint)socket.LocalEndPoint!).Address;
    }

    private static string ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
