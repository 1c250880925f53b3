using System.Globalization;
using k8s.Models;

namespace Timonel.Kubelet.Probes;

/// <summary>Turns a probe's or hook's port (a number, or the name of one of the container's ports) into a number.</summary>
public static class ContainerPorts
{
    /// <summary>Null with <paramref name="error"/> set when the name matches no port of the container or the number is out of range.</summary>
    public static int? Resolve(IntOrString? port, V1Container container, out string? error)
    {
        error = null;
        var value = port?.Value ?? "";
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            if (number is > 0 and < 65536)
            {
                return number;
            }
            error = $"invalid port number: {number}";
            return null;
        }
        foreach (var p in container.Ports ?? [])
        {
            if (p.Name == value)
            {
                return p.ContainerPort;
            }
        }
        error = $"couldn't find port: {value} in {container.Name}";
        return null;
    }

    /// <summary>host:port, with brackets around an IPv6 address.</summary>
    public static string Join(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[')
            ? $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
