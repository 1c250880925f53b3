using System.Net;

namespace Timonel.Network.NodeComponents;

/// <summary>
/// A route for the Service range on a node that has no default route (`timonel up --isolated`).
/// Pod traffic to a ClusterIP needs none: it enters the node from the bridge and is DNATed in
/// prerouting, before the routing decision. Traffic the node itself originates (a process in the
/// node's namespace, e.g. `curl CLUSTER-IP`) is routed before the nat output hook sees it, and
/// without a matching route connect() fails with ENETUNREACH before any rule runs. The route
/// goes out of the interface holding the node IP with that IP as source: after DNAT the packet
/// is rerouted to the chosen endpoint (a local pod on the bridge, another node, a pod behind the
/// overlay) and every endpoint can answer the node IP. The pod bridge is no choice: the CNI
/// bridge plugin creates it with the first pod, after the proxy starts. A node with a default
/// route gets nothing (its default route already carries the Service range out, as upstream).
/// The route is left in place on exit, as the nftables table is; the namespace goes with it.
/// </summary>
public sealed class ServiceCidrRoute(IIpRunner ip, string serviceCidr, IPAddress nodeIp)
{
    /// <summary>What was done, or why nothing was: a message for the log.</summary>
    public async Task<string> EnsureAsync(CancellationToken ct)
    {
        var defaults = await ip.RunAsync(["-4", "route", "show", "default"], ct).ConfigureAwait(false);
        if (!defaults.Ok)
        {
            return "could not read the routes: " + defaults;
        }
        if (HasDefaultRoute(defaults.Output))
        {
            return "the node has a default route";
        }
        var addresses = await ip.RunAsync(["-4", "-o", "address", "show"], ct).ConfigureAwait(false);
        if (!addresses.Ok)
        {
            return "could not read the addresses: " + addresses;
        }
        if (InterfaceOf(addresses.Output, nodeIp) is not { } device)
        {
            return $"no interface holds the node IP {nodeIp}";
        }
        var route = Command(device);
        var replaced = await ip.RunAsync(route, ct).ConfigureAwait(false);
        return replaced.Ok ? "ip " + string.Join(' ', route) : "could not add the route: " + replaced;
    }

    public IReadOnlyList<string> Command(string device) =>
        ["-4", "route", "replace", IPNetwork.Parse(serviceCidr).ToString(), "dev", device, "src", nodeIp.ToString()];

    /// <summary>`ip route show default` prints one line per default route (any table `main` holds).</summary>
    public static bool HasDefaultRoute(string output) =>
        output.Split('\n').Any(line => line.TrimStart().StartsWith("default", StringComparison.Ordinal));

    /// <summary>
    /// The interface of an address in `ip -o address show` output, lines as
    /// `2: eth0    inet 10.213.0.11/24 brd ... scope global eth0`; a veth's name may carry `@ifN`
    /// in other listings, never here, but it is cut off all the same.
    /// </summary>
    public static string? InterfaceOf(string output, IPAddress address)
    {
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var inet = Array.IndexOf(fields, "inet");
            if (fields.Length < 4 || inet < 2 || inet + 1 >= fields.Length)
            {
                continue;
            }
            var text = fields[inet + 1].Split('/')[0];
            if (IPAddress.TryParse(text, out var parsed) && parsed.Equals(address))
            {
                return fields[1].Split('@')[0];
            }
        }
        return null;
    }
}
