using System.Collections.Immutable;
using System.Net;
using System.Text.Json;

namespace Timonel.Network.Overlay;

/// <summary>
/// Reads iproute2's JSON output (`ip -j`, `bridge -j`). Only the overlay's own kinds of entry are
/// taken: routes with a gateway, PERMANENT neighbours and fdb entries with a remote destination.
/// Anything else on the device (a kernel-made route, an entry being resolved) is not the
/// overlay's and is left to the kernel.
/// </summary>
internal static class KernelJson
{
    public static ImmutableHashSet<OverlayRoute> Routes(string json)
    {
        var routes = ImmutableHashSet.CreateBuilder<OverlayRoute>();
        foreach (var entry in Array(json))
        {
            if (Text(entry, "dst") is { } dst && Text(entry, "gateway") is { } gateway
                && IPNetwork.TryParse(dst.Contains('/', StringComparison.Ordinal) ? dst : dst + "/32", out var destination)
                && IPAddress.TryParse(gateway, out var via))
            {
                routes.Add(new OverlayRoute(destination, via));
            }
        }
        return routes.ToImmutable();
    }

    public static ImmutableHashSet<OverlayNeighbour> Neighbours(string json)
    {
        var neighbours = ImmutableHashSet.CreateBuilder<OverlayNeighbour>();
        foreach (var entry in Array(json))
        {
            if (Text(entry, "dst") is { } dst && IPAddress.TryParse(dst, out var address)
                && Text(entry, "lladdr") is { } mac
                && entry.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Array
                && state.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.String && s.GetString() == "PERMANENT"))
            {
                neighbours.Add(new OverlayNeighbour(address, mac.ToLowerInvariant()));
            }
        }
        return neighbours.ToImmutable();
    }

    public static ImmutableHashSet<OverlayFdbEntry> Fdb(string json)
    {
        var fdb = ImmutableHashSet.CreateBuilder<OverlayFdbEntry>();
        foreach (var entry in Array(json))
        {
            if (Text(entry, "mac") is { } mac && Text(entry, "dst") is { } dst && IPAddress.TryParse(dst, out var destination))
            {
                fdb.Add(new OverlayFdbEntry(mac.ToLowerInvariant(), destination));
            }
        }
        return fdb.ToImmutable();
    }

    /// <summary>The interface holding <paramref name="address"/> and its MTU, or null when none does.</summary>
    public static (string Name, int Mtu)? InterfaceWith(string addrJson, IPAddress address)
    {
        foreach (var link in Array(addrJson))
        {
            if (Text(link, "ifname") is not { } name || !link.TryGetProperty("addr_info", out var addresses) || addresses.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var info in addresses.EnumerateArray())
            {
                if (Text(info, "local") is { } local && IPAddress.TryParse(local, out var held) && held.Equals(address))
                {
                    return (name, link.TryGetProperty("mtu", out var mtu) && mtu.TryGetInt32(out var value) ? value : 1500);
                }
            }
        }
        return null;
    }

    /// <summary>The IPv4 addresses (CIDR text) on the single link in `ip -j addr show dev X`.</summary>
    public static List<string> Ipv4Addresses(string addrJson)
    {
        var result = new List<string>();
        foreach (var link in Array(addrJson))
        {
            if (!link.TryGetProperty("addr_info", out var addresses) || addresses.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var info in addresses.EnumerateArray())
            {
                if (Text(info, "family") == "inet" && Text(info, "local") is { } local && info.TryGetProperty("prefixlen", out var length))
                {
                    result.Add($"{local}/{length.GetInt32()}");
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The VXLAN parameters of `ip -j -d link show dev X` in the same words as <see cref="WantedDevice"/>,
    /// or null when the link is not a VXLAN device.
    /// </summary>
    public static string? DeviceParameters(string linkJson)
    {
        foreach (var link in Array(linkJson))
        {
            if (!link.TryGetProperty("linkinfo", out var info) || Text(info, "info_kind") != "vxlan" || !info.TryGetProperty("info_data", out var data))
            {
                return null;
            }
            var id = data.TryGetProperty("id", out var idValue) ? idValue.GetRawText() : "?";
            var port = data.TryGetProperty("port", out var portValue) ? portValue.GetRawText() : "?";
            var learning = data.TryGetProperty("learning", out var learningValue) && learningValue.ValueKind == JsonValueKind.True;
            return Describe(id, Text(data, "local") ?? "?", Text(data, "link") ?? "?", port, learning, Text(link, "address") ?? "?");
        }
        return null;
    }

    public static string WantedDevice(OverlayNode node, string underlay) =>
        Describe(OverlayConstants.Vni.ToString(System.Globalization.CultureInfo.InvariantCulture), node.NodeIp.ToString(), underlay,
            OverlayConstants.UdpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), false, node.VtepMac);

    private static string Describe(string id, string local, string link, string port, bool learning, string mac) =>
        $"vxlan id {id} local {local} dev {link} dstport {port} {(learning ? "learning" : "nolearning")} address {mac.ToLowerInvariant()}";

    private static IEnumerable<JsonElement> Array(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList()
            : [];
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
