using System.Net;

namespace Timonel.ApiServer.Hosting;

/// <summary>Validated settings of the API server, from `timonel server` flags.</summary>
public sealed record ApiServerOptions
{
    /// <summary>The server's own folder: TLS material, tokens, kubeconfig.</summary>
    public required string DataDir { get; init; }
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;
    /// <summary>
    /// More addresses to listen on (same port), e.g. the host side of a node's veth, so agents in
    /// network namespaces reach the server without it listening on every address of the host.
    /// </summary>
    public IReadOnlyList<IPAddress> ExtraBindAddresses { get; init; } = [];
    public int Port { get; init; } = 6443;
    /// <summary>Where Services get their ClusterIPs; the first address is the `kubernetes` Service.</summary>
    public IpRange ServiceCidr { get; init; } = IpRange.Parse("10.43.0.0/16");
    public IpRange ClusterCidr { get; init; } = IpRange.Parse("10.42.0.0/16");
    public int NodePortMin { get; init; } = 30000;
    public int NodePortMax { get; init; } = 32767;
    /// <summary>Extra names and addresses for the serving certificate.</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether the controllers run beside this server (not with --disable-controllers). Only then
    /// does admission wait a moment for what they are about to write: a new namespace's "default"
    /// ServiceAccount, a new ResourceQuota's first status.
    /// </summary>
    public bool ControllersRun { get; init; }

    /// <summary>The agents' join secret (`--token`); generated and kept in the data dir when absent.</summary>
    public string? JoinSecret { get; init; }
}

/// <summary>An IPv4 CIDR block.</summary>
public sealed record IpRange(IPAddress Network, int PrefixLength)
{
    public static IpRange Parse(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var ip) || !int.TryParse(cidr[(slash + 1)..], out var len)
            || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || len is < 8 or > 30)
        {
            throw new FormatException($"\"{cidr}\" is not an IPv4 CIDR between /8 and /30");
        }
        var mask = len == 0 ? 0u : uint.MaxValue << (32 - len);
        return new(FromUInt(ToUInt(ip) & mask), len);
    }

    /// <summary>Usable host addresses: the network and broadcast addresses excluded.</summary>
    public long Size => (1L << (32 - PrefixLength)) - 2;

    /// <summary>The i-th host address (1-based, as .1 is the first).</summary>
    public IPAddress At(long i) => FromUInt(ToUInt(Network) + (uint)i);

    public bool Contains(IPAddress ip)
    {
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        var mask = uint.MaxValue << (32 - PrefixLength);
        return (ToUInt(ip) & mask) == ToUInt(Network);
    }

    public long IndexOf(IPAddress ip) => ToUInt(ip) - ToUInt(Network);

    public override string ToString() => $"{Network}/{PrefixLength}";

    internal static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    internal static IPAddress FromUInt(uint v) => new([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
}
