using System.Net;
using System.Net.Sockets;

namespace Timonel.Controllers.NodeIpam;

/// <summary>
/// The subnets of one cluster CIDR cut into blocks of a fixed prefix length (e.g. /24 blocks of a
/// /16), each free or used. Allocation takes the lowest free block after the last one handed out,
/// wrapping around, as upstream does, so a just-released block is not reused at once.
/// Thread-safe.
/// </summary>
public sealed class CidrSet
{
    private readonly Lock _lock = new();
    private readonly byte[] _base;
    private readonly int _clusterPrefix;
    private readonly int _blockPrefix;
    private readonly bool[] _used;
    private int _next;

    private CidrSet(byte[] baseAddress, int clusterPrefix, int blockPrefix)
    {
        _base = baseAddress;
        _clusterPrefix = clusterPrefix;
        _blockPrefix = blockPrefix;
        _used = new bool[1 << (blockPrefix - clusterPrefix)];
    }

    /// <summary>Null with a reason when the CIDR cannot be cut into blocks of that size.</summary>
    public static (CidrSet? Set, string? Error) Create(string clusterCidr, int blockPrefix)
    {
        var parts = clusterCidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || !int.TryParse(parts[1], out var prefix))
        {
            return (null, $"cluster CIDR \"{clusterCidr}\" is not address/prefix");
        }
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix < 0 || prefix > bits || blockPrefix < prefix || blockPrefix > bits || blockPrefix - prefix > 20)
        {
            return (null, $"cannot cut {clusterCidr} into /{blockPrefix} blocks");
        }
        var bytes = address.GetAddressBytes();
        ClearFrom(bytes, prefix);
        return (new CidrSet(bytes, prefix, blockPrefix), null);
    }

    public int Capacity => _used.Length;

    /// <summary>The next free block as "a.b.c.d/len", or null when all are used.</summary>
    public string? Allocate()
    {
        lock (_lock)
        {
            for (var i = 0; i < _used.Length; i++)
            {
                var candidate = (_next + i) % _used.Length;
                if (!_used[candidate])
                {
                    _used[candidate] = true;
                    _next = (candidate + 1) % _used.Length;
                    return Format(candidate);
                }
            }
            return null;
        }
    }

    /// <summary>Marks a block used (a node that already has it); false if it is not a block of this set.</summary>
    public bool Occupy(string cidr) => Mark(cidr, used: true);

    public bool Release(string cidr) => Mark(cidr, used: false);

    private bool Mark(string cidr, bool used)
    {
        if (IndexOf(cidr) is not { } index)
        {
            return false;
        }
        lock (_lock)
        {
            _used[index] = used;
        }
        return true;
    }

    private int? IndexOf(string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || parts[1] != _blockPrefix.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }
        var bytes = address.GetAddressBytes();
        if (bytes.Length != _base.Length)
        {
            return null;
        }
        var network = (byte[])bytes.Clone();
        ClearFrom(network, _clusterPrefix);
        if (!network.AsSpan().SequenceEqual(_base))
        {
            return null;
        }
        // The block number is the bits between the two prefix lengths.
        var index = 0;
        for (var bit = _clusterPrefix; bit < _blockPrefix; bit++)
        {
            index = (index << 1) | ((bytes[bit / 8] >> (7 - (bit % 8))) & 1);
        }
        return index;
    }

    private string Format(int index)
    {
        var bytes = (byte[])_base.Clone();
        for (var bit = _blockPrefix - 1; bit >= _clusterPrefix; bit--, index >>= 1)
        {
            if ((index & 1) == 1)
            {
                bytes[bit / 8] |= (byte)(1 << (7 - (bit % 8)));
            }
        }
        return $"{new IPAddress(bytes)}/{_blockPrefix}";
    }

    private static void ClearFrom(byte[] bytes, int prefix)
    {
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(1 << (7 - (bit % 8)));
        }
    }
}
