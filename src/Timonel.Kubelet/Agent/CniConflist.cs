using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// The node's pod network for containerd's CRI: a bridge <c>timonel0</c> (the pods' gateway, its
/// first address) with host-local addresses from the node's podCIDR, and portmap for hostPorts.
/// host-local keeps its leases under the agent's data dir (nodes sharing one machine must not share
/// /var/lib/cni). No loopback entry: containerd's CRI brings up each sandbox's <c>lo</c> itself with
/// the loopback plugin from the same bin dir. ipMasq is off: the overlay masquerades pod egress
/// itself (pod to pod across nodes keeps its source). The pods' MTU leaves room for the VXLAN
/// header (50 bytes) below the node link's MTU, so no segment needs fragmenting on the overlay.
/// </summary>
public static class CniConflist
{
    public const string FileName = "10-timonel.conflist";
    public const string NetworkName = "timonel";
    public const string Bridge = "timonel0";

    /// <summary>What VXLAN over IPv4 adds to every packet (outer Ethernet, IP, UDP and VXLAN headers).</summary>
    public const int OverlayOverhead = 50;

    public static string Render(string podCidr, string ipamDataDir, int mtu) => new JsonObject
    {
        ["cniVersion"] = "1.0.0",
        ["name"] = NetworkName,
        ["plugins"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "bridge",
                ["bridge"] = Bridge,
                ["isGateway"] = true,
                ["ipMasq"] = false,
                ["hairpinMode"] = true,
                ["mtu"] = mtu,
                ["ipam"] = new JsonObject
                {
                    ["type"] = "host-local",
                    ["dataDir"] = ipamDataDir,
                    ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = podCidr })),
                    ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                },
            },
            new JsonObject
            {
                ["type"] = "portmap",
                ["capabilities"] = new JsonObject { ["portMappings"] = true },
            }),
    }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    /// <summary>Writes the conflist atomically (CRI reloads the directory on change); true when it changed.</summary>
    public static bool Write(string confDir, string podCidr, string ipamDataDir, int mtu)
    {
        Directory.CreateDirectory(confDir);
        var path = Path.Combine(confDir, FileName);
        var text = Render(podCidr, ipamDataDir, mtu);
        if (File.Exists(path) && File.ReadAllText(path) == text)
        {
            return false;
        }
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
        return true;
    }

    /// <summary>The pods' MTU for a node whose address is <paramref name="nodeIp"/>: its link's MTU less the overlay's header.</summary>
    public static int PodMtu(System.Net.IPAddress nodeIp)
    {
        foreach (var link in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            var properties = link.GetIPProperties();
            if (properties.UnicastAddresses.Any(a => a.Address.Equals(nodeIp)))
            {
                return properties.GetIPv4Properties().Mtu - OverlayOverhead;
            }
        }
        return 1500 - OverlayOverhead;
    }
}
