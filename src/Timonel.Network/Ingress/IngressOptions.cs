using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;

namespace Timonel.Network.Ingress;

/// <summary>Where the ingress listens and how it forwards.</summary>
public sealed record IngressOptions
{
    /// <summary>The node's address in an agent; tests use a loopback address.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Any;

    public int HttpPort { get; init; } = 80;
    public int HttpsPort { get; init; } = 443;

    /// <summary>Endpoints tried per request when connections fail (never more than the pool has).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>A connect that takes longer counts as failed and moves on to the next endpoint.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>At most one rebuild per interval: informer events in between are folded in.</summary>
    public TimeSpan MinRebuildInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Share the process's informers (the agent's); null makes the ingress its own.</summary>
    public SharedInformerFactory? Informers { get; init; }
}
