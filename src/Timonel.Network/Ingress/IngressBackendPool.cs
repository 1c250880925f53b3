namespace Timonel.Network.Ingress;

/// <summary>
/// The ready endpoints of one Service port, as "http://ip:port" prefixes for the forwarder. A pool
/// belongs to one route table (rebuilt on every change); its round-robin cursor is the only
/// mutable part and is safe to share between requests.
/// </summary>
public sealed class IngressBackendPool(string serviceKey, string port, IReadOnlyList<string> destinations)
{
    private int _next = -1;

    /// <summary>namespace/name of the Service.</summary>
    public string ServiceKey { get; } = serviceKey;

    /// <summary>The Service port as the Ingress named it (number or name).</summary>
    public string Port { get; } = port;

    /// <summary>Destination prefixes of ready endpoints, sorted (stable across rebuilds).</summary>
    public IReadOnlyList<string> Destinations { get; } = destinations;

    /// <summary>Where the next request starts; later attempts walk on from there.</summary>
    public int NextStart()
    {
        var count = Destinations.Count;
        return count == 0 ? 0 : (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
    }

    public override string ToString() => $"{ServiceKey}:{Port} ({Destinations.Count} ready)";
}
