using System.Globalization;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Kubelet.Simulated;

/// <summary>
/// The Node and Lease objects of simulated nodes: what a kubelet would register and renew. Node
/// addresses come from 198.18.0.0/15, the range reserved for benchmarks: they are data only, no
/// packet is ever sent to them.
/// </summary>
internal static class SimulatedNodes
{
    public const string SimulatedLabel = "timonel.io/simulated";

    public static string NameOf(SimulatedNodeOptions options, int index) => $"{options.NamePrefix}{index}";

    public static string AddressOf(int index) => AddressAt(index + 1);

    private static string AddressAt(int n) => $"198.{18 + (n >> 16)}.{(n >> 8) & 0xff}.{n & 0xff}";

    public static V1Node Build(SimulatedNodeOptions options, int index, DateTime now)
    {
        var name = NameOf(options, index);
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(options.Cpu),
            ["memory"] = new(options.Memory),
            ["pods"] = new(options.MaxPods.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new("100Gi"),
        };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = name,
                    ["kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = "amd64",
                    [SimulatedLabel] = "true",
                },
            },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus
            {
                Capacity = resources,
                Allocatable = new Dictionary<string, ResourceQuantity>(resources),
                Addresses = [new V1NodeAddress { Address = AddressOf(index), Type = "InternalIP" }, new V1NodeAddress { Address = name, Type = "Hostname" }],
                Conditions = Conditions(now),
                NodeInfo = new V1NodeSystemInfo
                {
                    Architecture = "amd64",
                    OperatingSystem = "linux",
                    OsImage = "Timonel simulated node",
                    KernelVersion = Environment.OSVersion.Version.ToString(),
                    KubeletVersion = "v1.35.0-timonel",
                    KubeProxyVersion = "",
                    ContainerRuntimeVersion = "simulated://1",
                    BootID = "",
                    MachineID = "",
                    SystemUUID = "",
                },
            },
        };
    }

    public static List<V1NodeCondition> Conditions(DateTime now) =>
    [
        Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
        Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
        Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
        Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
    ];

    private static V1NodeCondition Condition(string type, string status, string reason, string message, DateTime now) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastHeartbeatTime = now,
        LastTransitionTime = now,
    };

    public static V1Lease Lease(string node, string nodeUid, DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = node,
            NamespaceProperty = "kube-node-lease",
            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node, Uid = nodeUid }],
        },
        Spec = new V1LeaseSpec { HolderIdentity = node, LeaseDurationSeconds = 40, RenewTime = now },
    };

    /// <summary>Creates the node, or refreshes its status if it exists (an agent restart).</summary>
    public static async Task<V1Node> RegisterAsync(ApiConnection api, SimulatedNodeOptions options, int index, CancellationToken ct)
    {
        var now = options.Time.GetUtcNow().UtcDateTime;
        var node = Build(options, index, now);
        var created = await api.CreateAsync(node, ct);
        if (created.Value is not null)
        {
            return created.Value;
        }
        var existing = (await api.GetAsync<V1Node>(null, node.Metadata.Name, ct)).Require();
        existing.Status = node.Status;
        return (await api.UpdateStatusAsync(existing, ct)).Value ?? existing;
    }
}
