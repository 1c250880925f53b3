using System.Globalization;
using System.Text;
using Timonel.Network.Host;

namespace Timonel.Network.Overlay;

/// <summary>
/// <see cref="IOverlayKernel"/> with iproute2 (`ip`, `bridge`), nft and sh, in one network
/// namespace. Changes go as `-batch` scripts with `-force` (every line is tried even if one is
/// refused); a refused line makes the step fail, and the next reconcile reads the kernel again.
/// </summary>
public sealed class IpOverlayKernel(IHostCommands commands) : IOverlayKernel
{
    private const string Device = OverlayConstants.Device;

    public async Task<OverlayResult> SetUpNodeAsync(OverlayNode node, CancellationToken ct)
    {
        var device = await EnsureDeviceAsync(node, ct).ConfigureAwait(false);
        if (!device.Ok)
        {
            return device;
        }
        // A per-namespace sysctl (0 in a new namespace): without it the node drops every pod packet it should route.
        var forwarding = await commands.RunAsync("sh", ["-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"], null, ct).ConfigureAwait(false);
        if (!forwarding.Ok)
        {
            return OverlayResult.Failed("net.ipv4.ip_forward=1: " + forwarding);
        }
        var masquerade = await commands.RunAsync("nft", ["-f", "-"], OverlayMasquerade.Script(node), ct).ConfigureAwait(false);
        return masquerade.Ok ? OverlayResult.Success : OverlayResult.Failed($"nft table ip {OverlayConstants.NftTable}: {masquerade}");
    }

    private async Task<OverlayResult> EnsureDeviceAsync(OverlayNode node, CancellationToken ct)
    {
        var addresses = await commands.RunAsync("ip", ["-j", "addr", "show"], null, ct).ConfigureAwait(false);
        if (!addresses.Ok)
        {
            return OverlayResult.Failed("ip addr show: " + addresses);
        }
        if (KernelJson.InterfaceWith(addresses.Output, node.NodeIp) is not var (underlay, underlayMtu))
        {
            return OverlayResult.Failed($"no interface holds the node IP {node.NodeIp}");
        }
        var wanted = KernelJson.WantedDevice(node, underlay);
        var link = await commands.RunAsync("ip", ["-j", "-d", "link", "show", "dev", Device], null, ct).ConfigureAwait(false);
        var existing = link.Ok ? KernelJson.DeviceParameters(link.Output) : null;
        if (link.Ok && existing != wanted)
        {
            // Another VNI, port, underlay or MAC (e.g. the node IP changed): kernel VXLAN
            // parameters cannot be changed in place.
            var deleted = await commands.RunAsync("ip", ["link", "del", Device], null, ct).ConfigureAwait(false);
            if (!deleted.Ok)
            {
                return OverlayResult.Failed($"ip link del {Device}: {deleted}");
            }
        }
        if (existing != wanted)
        {
            var created = await commands.RunAsync("ip",
                ["link", "add", Device, "address", node.VtepMac, "type", "vxlan", "id", Invariant(OverlayConstants.Vni),
                 "local", node.NodeIp.ToString(), "dev", underlay, "dstport", Invariant(OverlayConstants.UdpPort), "nolearning"], null, ct).ConfigureAwait(false);
            if (!created.Ok)
            {
                return OverlayResult.Failed($"creating {Device} ({wanted}): {created}");
            }
        }
        var mtu = Invariant(underlayMtu - OverlayConstants.EncapsulationOverhead);
        var up = await commands.RunAsync("ip", ["link", "set", Device, "mtu", mtu, "up"], null, ct).ConfigureAwait(false);
        if (!up.Ok)
        {
            return OverlayResult.Failed($"ip link set {Device} mtu {mtu} up: {up}");
        }
        return await EnsureAddressAsync(node, ct).ConfigureAwait(false);
    }

    /// <summary>Exactly one IPv4 address on the device, the VTEP's /32 (a changed podCIDR leaves no stale one).</summary>
    private async Task<OverlayResult> EnsureAddressAsync(OverlayNode node, CancellationToken ct)
    {
        var wanted = node.VtepIp + "/32";
        var shown = await commands.RunAsync("ip", ["-j", "addr", "show", "dev", Device], null, ct).ConfigureAwait(false);
        if (!shown.Ok)
        {
            return OverlayResult.Failed($"ip addr show dev {Device}: {shown}");
        }
        var script = new StringBuilder();
        foreach (var stale in KernelJson.Ipv4Addresses(shown.Output).Where(a => a != wanted))
        {
            script.Append(CultureInfo.InvariantCulture, $"addr del {stale} dev {Device}\n");
        }
        script.Append(CultureInfo.InvariantCulture, $"addr replace {wanted} dev {Device}\n");
        var result = await commands.RunAsync("ip", ["-force", "-batch", "-"], script.ToString(), ct).ConfigureAwait(false);
        return result.Ok ? OverlayResult.Success : OverlayResult.Failed($"address {wanted} on {Device}: {result}");
    }

    public async Task<(OverlayState? State, string? Error)> ReadAsync(CancellationToken ct)
    {
        var routes = await commands.RunAsync("ip", ["-j", "route", "show", "table", "main", "dev", Device], null, ct).ConfigureAwait(false);
        var neighbours = await commands.RunAsync("ip", ["-j", "neigh", "show", "dev", Device], null, ct).ConfigureAwait(false);
        var fdb = await commands.RunAsync("bridge", ["-j", "fdb", "show", "dev", Device], null, ct).ConfigureAwait(false);
        foreach (var (what, result) in new[] { ("routes", routes), ("neighbours", neighbours), ("fdb", fdb) })
        {
            if (!result.Ok)
            {
                return (null, $"reading {what} of {Device}: {result}");
            }
        }
        return (new OverlayState(KernelJson.Routes(routes.Output), KernelJson.Neighbours(neighbours.Output), KernelJson.Fdb(fdb.Output)), null);
    }

    public async Task<OverlayResult> ApplyAsync(OverlayPlan plan, CancellationToken ct)
    {
        var errors = new List<string>();
        var removeIp = new StringBuilder();
        foreach (var route in plan.RemoveRoutes)
        {
            removeIp.Append(CultureInfo.InvariantCulture, $"route del {route.Destination} via {route.Gateway} dev {Device}\n");
        }
        foreach (var neighbour in plan.RemoveNeighbours)
        {
            removeIp.Append(CultureInfo.InvariantCulture, $"neigh del {neighbour.Address} dev {Device}\n");
        }
        await BatchAsync("ip", removeIp, errors, ct).ConfigureAwait(false);

        var fdb = new StringBuilder();
        foreach (var entry in plan.RemoveFdb)
        {
            fdb.Append(CultureInfo.InvariantCulture, $"fdb del {entry.Mac} dev {Device} dst {entry.Destination}\n");
        }
        foreach (var entry in plan.AddFdb)
        {
            fdb.Append(CultureInfo.InvariantCulture, $"fdb replace {entry.Mac} dev {Device} dst {entry.Destination} self permanent\n");
        }
        await BatchAsync("bridge", fdb, errors, ct).ConfigureAwait(false);

        var addIp = new StringBuilder();
        foreach (var neighbour in plan.AddNeighbours)
        {
            addIp.Append(CultureInfo.InvariantCulture, $"neigh replace {neighbour.Address} lladdr {neighbour.Mac} dev {Device} nud permanent\n");
        }
        foreach (var route in plan.AddRoutes)
        {
            addIp.Append(CultureInfo.InvariantCulture, $"route replace {route.Destination} via {route.Gateway} dev {Device} onlink\n");
        }
        await BatchAsync("ip", addIp, errors, ct).ConfigureAwait(false);
        return errors.Count == 0 ? OverlayResult.Success : OverlayResult.Failed(string.Join("; ", errors));
    }

    private async Task BatchAsync(string tool, StringBuilder script, List<string> errors, CancellationToken ct)
    {
        if (script.Length == 0)
        {
            return;
        }
        var result = await commands.RunAsync(tool, ["-force", "-batch", "-"], script.ToString(), ct).ConfigureAwait(false);
        if (!result.Ok)
        {
            errors.Add($"{tool} -batch: {result}");
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
