using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// The node's pod network for containerd's CRI: a bridge <c>timonel0</c> (the pods' gateway, its
/// first address) with host-local addresses from the node's podCIDR, and portmap for hostPorts.
/// host-local keeps its leases under the agent's data dir (nodes sharing one machine must not share
/// /var/lib/cni). No loopback entry: containerd's CRI brings up each sandbox's <c>lo</c> itself with
/// the loopback plugin from the same bin dir. ipMasq is off until the networking issue adds egress.
/// </summary>
public static class CniConflist
{
    public const string FileName = "10-timonel.conflist";
    public const string NetworkName = "timonel";
    public const string Bridge = "timonel0";

    public static string Render(string podCidr, string ipamDataDir) => new JsonObject
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
    public static bool Write(string confDir, string podCidr, string ipamDataDir)
    {
        Directory.CreateDirectory(confDir);
        var path = Path.Combine(confDir, FileName);
        var text = Render(podCidr, ipamDataDir);
        if (File.Exists(path) && File.ReadAllText(path) == text)
        {
            return false;
        }
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
        return true;
    }
}
