using System.Net;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// What the agent hands to the node's own components (overlay, service proxy, DNS, load-balancer
/// announcer, ingress) once the node is registered and has its podCIDR. <see cref="Informers"/> is
/// one factory for all of them (each type listed and watched once per agent); it is started by the
/// agent after every component has asked for its informers in <see cref="INodeComponent.RunAsync"/>'s
/// first synchronous part, and started informers asked for later start at once.
/// </summary>
public sealed record AgentNode
{
    public required ApiConnection Api { get; init; }
    public required SharedInformerFactory Informers { get; init; }
    public required string NodeName { get; init; }

    /// <summary>The node's InternalIP: the address other nodes and the host reach it on.</summary>
    public required IPAddress NodeIp { get; init; }

    /// <summary>This node's pod range (from node IPAM).</summary>
    public required string PodCidr { get; init; }

    /// <summary>The whole pod range of the cluster (every node's podCIDR is inside).</summary>
    public required string ClusterCidr { get; init; }

    /// <summary>The Service ClusterIP range.</summary>
    public required string ServiceCidr { get; init; }

    public required string ClusterDomain { get; init; }

    /// <summary>The bridge the node's pods hang on (their gateway).</summary>
    public required string PodBridge { get; init; }

    /// <summary>The agent's own directory, for state a component keeps across restarts.</summary>
    public required string AgentDir { get; init; }

    public required ILoggerFactory Loggers { get; init; }
    public required TimeProvider Time { get; init; }
}

/// <summary>
/// A long-running part of a node besides its pods. <see cref="RunAsync"/> runs until cancelled;
/// it retries its own transient failures (an unanswered API call, a failed kernel update) and
/// throws only when the node cannot work at all (which stops the agent with the message).
/// </summary>
public interface INodeComponent
{
    string Name { get; }

    Task RunAsync(AgentNode node, CancellationToken ct);
}

/// <summary>A node component from a name and a run function (how the CLI plugs in Timonel.Network's parts).</summary>
public sealed class NodeComponent(string name, Func<AgentNode, CancellationToken, Task> run) : INodeComponent
{
    public string Name => name;

    public Task RunAsync(AgentNode node, CancellationToken ct) => run(node, ct);
}
