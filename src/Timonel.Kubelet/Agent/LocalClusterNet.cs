using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Timonel.Kubelet.Agent;

/// <summary>One node of a <see cref="LocalClusterNet"/>: its namespace, the host end of its veth, its address.</summary>
public sealed record LocalClusterNode(int Index, string Name, string Netns, string HostVeth, string NodeIp)
{
    public string NetnsPath => "/var/run/netns/" + Netns;
}

/// <summary>
/// The network of `timonel up --nodes N`: one host bridge <c>tmbr-HASH</c> holding <c>Prefix.1/24</c>
/// (a /24 of 10.213.0.0/16 that overlaps no address or route of the host), and per node I a
/// namespace <c>timonel-HASH-I</c> whose <c>eth0</c> (<c>Prefix.(10+I)/24</c>) is the peer of the
/// host veth <c>tmHASHhI</c>, a port of the bridge: nodes and host share one L2 segment. Not
/// isolated: each node's default route is the bridge's .1 and the host masquerades the /24 in an
/// nftables table of its own (<c>ip timonel-nat-HASH</c>), with ip_forward on. HASH is 6 hex of
/// SHA-256 of the data dir. Saved as JSON (<c>DIR/cluster-net.json</c>) before each thing is made,
/// so <see cref="DeleteAsync"/> finds even what a failed `up` left; every step is idempotent.
/// </summary>
public sealed class LocalClusterNet
{
    /// <summary>Node I gets .(10+I); .200-.250 is the LoadBalancer pool; so at most 189 nodes.</summary>
    public const int MaxNodes = 189;

    public required string Hash { get; init; }
    public required string Bridge { get; init; }
    /// <summary>The first three octets of the /24, e.g. "10.213.57".</summary>
    public required string Prefix { get; init; }
    public required bool Isolated { get; init; }
    /// <summary>Whether `up` switched the host's net.ipv4.ip_forward on (so `down` may switch it off).</summary>
    public bool TurnedOnForwarding { get; set; }
    public List<LocalClusterNode> Nodes { get; init; } = [];

    public string HostIp => Prefix + ".1";
    public string Subnet => Prefix + ".0/24";
    public string NatTable => "timonel-nat-" + Hash;
    public string LoadBalancerPool => $"{Prefix}.200-{Prefix}.250";

    public static string HashOf(string dataDir) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir)))[..6];

    /// <summary>A cluster network not made yet, on <paramref name="prefix"/> (see <see cref="FreePrefixAsync"/>).</summary>
    public static LocalClusterNet Plan(string dataDir, bool isolated, string prefix)
    {
        var hash = HashOf(dataDir);
        return new LocalClusterNet { Hash = hash, Bridge = "tmbr-" + hash, Prefix = prefix, Isolated = isolated };
    }

    /// <summary>The first 10.213.X.0/24 (X from an offset given by the data dir's hash) that overlaps no host address or route.</summary>
    public static async Task<string> FreePrefixAsync(string dataDir) =>
        FreeSlash24(Convert.ToInt32(HashOf(dataDir)[..4], 16) % 256, await NodeNetns.HostIpv4NetworksAsync());

    /// <summary>Makes the bridge with its address (and NAT unless isolated), or finds them; saves to <paramref name="file"/> first.</summary>
    public async Task EnsureAsync(string file)
    {
        Save(file);
        if (!LinkExists(Bridge))
        {
            await NodeNetns.IpAsync("link", "add", Bridge, "type", "bridge");
        }
        await NodeNetns.IpAsync("addr", "replace", HostIp + "/24", "dev", Bridge);
        await NodeNetns.IpAsync("link", "set", Bridge, "up");
        if (!Isolated)
        {
            if ((await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_forward")).Trim() == "0")
            {
                TurnedOnForwarding = true;
                Save(file);
                await File.WriteAllTextAsync("/proc/sys/net/ipv4/ip_forward", "1");
            }
            // Replaces the table whole (add + delete + define in one transaction).
            await NftAsync($$"""
                table ip {{NatTable}} {}
                delete table ip {{NatTable}}
                table ip {{NatTable}} {
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr {{Subnet}} ip daddr != {{Subnet}} masquerade
                  }
                }
                """);
        }
    }

    /// <summary>Node <paramref name="index"/> (1-based), made if missing: namespace, veth on the bridge, address, route.</summary>
    public async Task<LocalClusterNode> EnsureNodeAsync(int index, string name, string file)
    {
        if (Nodes.FirstOrDefault(n => n.Index == index) is { } known && File.Exists(known.NetnsPath) && LinkExists(known.HostVeth))
        {
            return known;
        }
        var node = new LocalClusterNode(index, name, $"timonel-{Hash}-{index}", $"tm{Hash}h{index}", $"{Prefix}.{10 + index}");
        Nodes.RemoveAll(n => n.Index == index);
        Nodes.Add(node);
        Nodes.Sort((a, b) => a.Index.CompareTo(b.Index));
        Save(file);
        await DeleteNodeAsync(node); // a half-made one from an interrupted `up`
        await NodeNetns.IpAsync("netns", "add", node.Netns);
        await NodeNetns.IpAsync("-n", node.Netns, "link", "set", "lo", "up");
        await NodeNetns.IpAsync("link", "add", node.HostVeth, "type", "veth", "peer", "name", "eth0", "netns", node.Netns);
        await NodeNetns.IpAsync("link", "set", node.HostVeth, "master", Bridge, "up");
        await NodeNetns.IpAsync("-n", node.Netns, "addr", "add", node.NodeIp + "/24", "dev", "eth0");
        await NodeNetns.IpAsync("-n", node.Netns, "link", "set", "eth0", "up");
        if (!Isolated)
        {
            await NodeNetns.IpAsync("-n", node.Netns, "route", "add", "default", "via", HostIp);
        }
        return node;
    }

    /// <summary>Removes every namespace, veth, the bridge and the NAT table; restores ip_forward when no other cluster bridge is left. Returns what failed.</summary>
    public async Task<IReadOnlyList<string>> DeleteAsync()
    {
        var failures = new List<string>();
        async Task Step(string what, Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (InvalidOperationException e)
            {
                failures.Add($"{what}: {e.Message}");
            }
        }
        foreach (var node in Nodes)
        {
            await Step("node " + node.Name, () => DeleteNodeAsync(node));
        }
        await Step("bridge " + Bridge, () => DeleteLinkAsync(Bridge));
        if (!Isolated)
        {
            await Step("nftables table " + NatTable, () => NftAsync($"table ip {NatTable} {{}}\ndelete table ip {NatTable}\n"));
        }
        if (TurnedOnForwarding && !Directory.EnumerateDirectories("/sys/class/net", "tmbr-*").Any())
        {
            await File.WriteAllTextAsync("/proc/sys/net/ipv4/ip_forward", "0");
        }
        return failures;
    }

    public void Save(string file) => File.WriteAllText(file, JsonSerializer.Serialize(this, JsonOptions));

    public static LocalClusterNet? Load(string file) => File.Exists(file) ? JsonSerializer.Deserialize<LocalClusterNet>(File.ReadAllText(file), JsonOptions) : null;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>
    /// The veth first: deleting one end removes both at once, whereas the kernel dismantles a
    /// deleted namespace (and the veth with it) later, in a work queue.
    /// </summary>
    private static async Task DeleteNodeAsync(LocalClusterNode node)
    {
        await DeleteLinkAsync(node.HostVeth);
        if (File.Exists(node.NetnsPath))
        {
            await NodeNetns.IpAsync("netns", "delete", node.Netns);
        }
    }

    /// <summary>Deletes a link unless it is gone (a failed delete counts only when the link is still there: a veth can vanish with its namespace meanwhile).</summary>
    private static async Task DeleteLinkAsync(string name)
    {
        if (!LinkExists(name))
        {
            return;
        }
        try
        {
            await NodeNetns.IpAsync("link", "delete", name);
        }
        catch (InvalidOperationException) when (!LinkExists(name))
        {
        }
    }

    private static bool LinkExists(string name) => Directory.Exists("/sys/class/net/" + name);

    /// <summary>The first 10.213.X.0/24 from <paramref name="offset"/> on that no host network overlaps.</summary>
    private static string FreeSlash24(int offset, List<(uint Net, uint Mask)> taken)
    {
        for (var i = 0; i < 256; i++)
        {
            var third = (uint)((offset + i) % 256);
            var net = (10u << 24) | (213u << 16) | (third << 8);
            if (!taken.Any(t => ((net ^ t.Net) & Math.Min(t.Mask, 0xFFFFFF00u)) == 0))
            {
                return $"10.213.{third}";
            }
        }
        throw new InvalidOperationException("no free /24 in 10.213.0.0/16 on this host");
    }

    private static async Task NftAsync(string script)
    {
        var info = new ProcessStartInfo("nft", ["-f", "-"]) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft -f exited with {process.ExitCode}: {await stderr}");
        }
    }
}
