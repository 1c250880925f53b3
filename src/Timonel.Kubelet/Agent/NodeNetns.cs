using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// A node's own network namespace joined to the host by a veth pair: <c>HostVeth</c> (host side,
/// <c>HostIp</c>/30) and <c>NodeVeth</c> (inside, <c>NodeIp</c>/30). Nothing else: no default
/// route, so the node reaches the host's veth address and nothing beyond it. The /30 is the first
/// one of the given /16 (from an offset) that overlaps no IPv4 address or route of the host.
/// Used by the agent E2E tests (`timonel up` uses <see cref="LocalClusterNet"/>, which shares the
/// host-network scan and the ip runner below); saved as JSON so a test's clean-up finds it.
/// </summary>
public sealed record NodeNetns(string Netns, string HostVeth, string NodeVeth, string HostIp, string NodeIp)
{
    public string NetnsPath => "/var/run/netns/" + Netns;

    /// <summary>Creates the namespace and the pair; on failure removes what it made.</summary>
    public static async Task<NodeNetns> CreateAsync(string netns, string vethPrefix, byte secondOctetOf10, int offset)
    {
        var (hostIp, nodeIp) = FreeSlash30(secondOctetOf10, offset, await HostIpv4NetworksAsync());
        var created = new NodeNetns(netns, vethPrefix + "h", vethPrefix + "n", hostIp.ToString(), nodeIp.ToString());
        try
        {
            await IpAsync("netns", "add", netns);
            await IpAsync("-n", netns, "link", "set", "lo", "up");
            await IpAsync("link", "add", created.HostVeth, "type", "veth", "peer", "name", created.NodeVeth);
            await IpAsync("link", "set", created.NodeVeth, "netns", netns);
            await IpAsync("addr", "add", created.HostIp + "/30", "dev", created.HostVeth);
            await IpAsync("link", "set", created.HostVeth, "up");
            await IpAsync("-n", netns, "addr", "add", created.NodeIp + "/30", "dev", created.NodeVeth);
            await IpAsync("-n", netns, "link", "set", created.NodeVeth, "up");
            return created;
        }
        catch
        {
            await created.DeleteAsync();
            throw;
        }
    }

    /// <summary>Removes the namespace (its veth end goes with it, and so the host's end). Idempotent.</summary>
    public async Task DeleteAsync()
    {
        if (File.Exists(NetnsPath))
        {
            await IpAsync("netns", "delete", Netns);
        }
        if (Directory.Exists("/sys/class/net/" + HostVeth))
        {
            await IpAsync("link", "delete", HostVeth);
        }
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this));

    public static NodeNetns? Load(string path) => File.Exists(path) ? JsonSerializer.Deserialize<NodeNetns>(File.ReadAllText(path)) : null;

    private static (IPAddress Host, IPAddress Node) FreeSlash30(byte second, int offset, List<(uint Net, uint Mask)> taken)
    {
        for (var i = 0; i < 16384; i++)
        {
            var block = (uint)((offset + i) % 16384);
            var net = (10u << 24) | ((uint)second << 16) | (block << 2);
            // Two networks overlap when they agree on the bits of the shorter mask.
            if (!taken.Any(t => ((net ^ t.Net) & Math.Min(t.Mask, 0xFFFFFFFCu)) == 0))
            {
                return (ToIp(net + 1), ToIp(net + 2));
            }
        }
        throw new InvalidOperationException($"no free /30 in 10.{second}.0.0/16 on this host");
    }

    /// <summary>Every IPv4 network of the host's addresses and routes (a /30 inside any is taken).</summary>
    internal static async Task<List<(uint Net, uint Mask)>> HostIpv4NetworksAsync()
    {
        var networks = new List<(uint, uint)>();
        var text = await IpAsync("-4", "-o", "addr", "show") + "\n" + await IpAsync("-4", "route", "show", "table", "all");
        foreach (var word in text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var slash = word.IndexOf('/', StringComparison.Ordinal);
            var ipText = slash > 0 ? word[..slash] : word;
            if (ipText.Count(c => c == '.') == 3 && IPAddress.TryParse(ipText, out var ip)
                && (slash < 0 || int.TryParse(word[(slash + 1)..], out _)))
            {
                var length = slash > 0 ? int.Parse(word[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 32;
                if (length == 0)
                {
                    continue; // the default route covers everything; it is not a local network.
                }
                var mask = uint.MaxValue << (32 - length);
                networks.Add((ToUInt(ip) & mask, mask));
            }
        }
        return networks;
    }

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static IPAddress ToIp(uint v) => new([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);

    internal static async Task<string> IpAsync(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"ip {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}");
    }
}
