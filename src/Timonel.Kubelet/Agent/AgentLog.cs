using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Agent;

internal static partial class AgentLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "reusing the containerd left running on {Socket}")]
    public static partial void ContainerdReused(ILogger logger, string socket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the reused containerd on {Socket} stopped answering; starting a supervised one")]
    public static partial void ContainerdLost(ILogger logger, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "registered node {Node} (InternalIP {Ip})")]
    public static partial void NodeRegistered(ILogger logger, string node, string ip);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} already registered; status refreshed (InternalIP {Ip})")]
    public static partial void NodeReregistered(ILogger logger, string node, string ip);

    [LoggerMessage(Level = LogLevel.Information, Message = "waiting for node {Node} to get its spec.podCIDR from node IPAM")]
    public static partial void WaitingForPodCidr(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod network ready: {Cidr} on bridge {Bridge} ({Path})")]
    public static partial void PodNetwork(ILogger logger, string cidr, string bridge, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API server unreachable: {Message}; retrying")]
    public static partial void ApiUnreachable(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "image archive {Archive}: {Outcome}")]
    public static partial void ImageArchive(ILogger logger, string archive, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} running: kubelet endpoint on port {Port}, containerd {Runtime}")]
    public static partial void Running(ILogger logger, string node, int port, string runtime);

    [LoggerMessage(Level = LogLevel.Information, Message = "node component {Component} started")]
    public static partial void ComponentStarted(ILogger logger, string component);
}
