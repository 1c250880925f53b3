using System.Net;

namespace Timonel.Kubelet.Agent;

/// <summary>Validated settings of `timonel agent` (a real node).</summary>
public sealed record AgentOptions
{
    public required Uri Server { get; init; }

    /// <summary>The join token (k3s format with the CA hash, or a bare secret).</summary>
    public required string Token { get; init; }

    public required string NodeName { get; init; }

    /// <summary>The agent's own directory (<c>DATA/agent</c>): credentials/, containerd/, images/, pods/, logs/.</summary>
    public required string AgentDir { get; init; }

    /// <summary>An existing CRI socket (<c>--container-runtime-endpoint</c>); null: the agent runs its own containerd.</summary>
    public string? RuntimeSocket { get; init; }

    /// <summary>The node's InternalIP; null: the source address of the route to the server.</summary>
    public IPAddress? NodeIp { get; init; }

    /// <summary>Port of the agent's HTTPS endpoint (logs, exec), as the kubelet's 10250.</summary>
    public int KubeletPort { get; init; } = 10250;

    public int MaxPods { get; init; } = 110;

    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The full status is written at least this often (and at once when a condition changes).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The cluster's pod range (the server's --cluster-cidr).</summary>
    public string ClusterCidr { get; init; } = "10.42.0.0/16";

    /// <summary>The cluster's Service range (the server's --service-cidr).</summary>
    public string ServiceCidr { get; init; } = "10.43.0.0/16";

    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>
    /// Every pod's resolver settings (from its dnsPolicy, the cluster DNS Service and the node's
    /// resolv.conf: the networking side computes them); null leaves the runtime's default, the
    /// node's resolv.conf copied into every pod.
    /// </summary>
    public Pods.PodDnsConfigurer? PodDns { get; init; }

    /// <summary>How long a terminating endpoint pod waits, after this node saw it withdrawn, for the other nodes' proxies.</summary>
    public TimeSpan EndpointPropagationDelay { get; init; } = Endpoints.EndpointSliceDrain.DefaultPropagationDelay;

    /// <summary>Container log rotation (containerLogMaxSize, containerLogMaxFiles): 10Mi and 5 by default, as upstream.</summary>
    public Logs.ContainerLogRotationOptions ContainerLogs { get; init; } = new();

    /// <summary>The node's components besides its pods (networking), run once the pod network is ready.</summary>
    public IReadOnlyList<INodeComponent> Components { get; init; } = [];

    public string CredentialsDir => Path.Combine(AgentDir, "credentials");
    public string ContainerdDir => Path.Combine(AgentDir, "containerd");
    public string PodsDir => Path.Combine(AgentDir, "pods");
    public string LogsDir => Path.Combine(AgentDir, "logs");
    public string CgroupRoot => CgroupRootFor(AgentDir, NodeName);

    /// <summary>
    /// The node's cgroup tree, <c>/timonel/NAME-HASH</c> with a hash of the agent dir: two clusters
    /// on one host whose nodes share a name (the host name, by default) never see, kill or remove
    /// each other's pods.
    /// </summary>
    public static string CgroupRootFor(string agentDir, string nodeName)
    {
        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(agentDir));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dir)));
        return $"/timonel/{nodeName}-{hash[..8]}";
    }
}
