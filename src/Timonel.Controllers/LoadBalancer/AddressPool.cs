using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Timonel.Controllers.LoadBalancer;

/// <summary>
/// The IPv4 addresses LoadBalancer Services may get, from `--service-lb-pool`: a comma list of
/// ranges "A-B" (both ends included) and CIDRs "C/NN" (all addresses but the network and broadcast
/// ones when the block has more than two). Ranges keep the order they were given in, which is the
/// order addresses are handed out. Immutable.
/// </summary>
public sealed class AddressPool
{
    private readonly IReadOnlyList<(uint First, uint Last)> _ranges;

    private AddressPool(string text, IReadOnlyList<(uint First, uint Last)> ranges)
    {
        Text = text;
        _ranges = ranges;
    }

    /// <summary>The flag's text, for messages.</summary>
    public string Text { get; }

    public long Size => _ranges.Sum(r => (long)r.Last - r.First + 1);

    /// <summary>Null with a reason when the text is not a list of IPv4 ranges and CIDRs.</summary>
    public static (AddressPool? Pool, string? Error) Parse(string text)
    {
        var ranges = new List<(uint, uint)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Contains('/', StringComparison.Ordinal) ? ParseCidr(part) : ParseRange(part);
            if (range is null)
            {
                return (null, $"\"{part}\" is neither an IPv4 range A-B nor an IPv4 CIDR like 192.168.1.240/28");
            }
            if (ranges.Any(r => r.Item1 <= range.Value.Last && range.Value.First <= r.Item2))
            {
                return (null, $"\"{part}\" overlaps another part of the pool");
            }
            ranges.Add(range.Value);
        }
        return ranges.Count == 0 ? (null, "the pool is empty") : (new AddressPool(text, ranges), null);
    }

    public bool Contains(string? address) => ToNumber(address) is { } n && Contains(n);

    /// <summary>Every address in hand-out order, lazily (a /8 is 16 million of them).</summary>
    public IEnumerable<string> Addresses()
    {
        foreach (var (first, last) in _ranges)
        {
            for (var n = (ulong)first; n <= last; n++)
            {
                yield return FromNumber((uint)n);
            }
        }
    }

    public override string ToString() => Text;

    private bool Contains(uint n) => _ranges.Any(r => r.First <= n && n <= r.Last);

    private static (uint First, uint Last)? ParseRange(string part)
    {
        var ends = part.Split('-', StringSplitOptions.TrimEntries);
        if (ends.Length != 2 || ToNumber(ends[0]) is not { } first || ToNumber(ends[1]) is not { } last || first > last)
        {
            return null;
        }
        return (first, last);
    }

    private static (uint First, uint Last)? ParseCidr(string part)
    {
        var pieces = part.Split('/');
        if (pieces.Length != 2 || ToNumber(pieces[0]) is not { } address
            || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            return null;
        }
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var first = address & mask;
        var last = first | ~mask;
        // Network and broadcast addresses confuse some clients; /31 and /32 have neither.
        return prefix <= 30 ? (first + 1, last - 1) : (first, last);
    }

    internal static uint? ToNumber(string? text) =>
        IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && text!.Count(c => c == '.') == 3
            ? BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes())
            : null;

    private static string FromNumber(uint n)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, n);
        return new IPAddress(bytes).ToString();
    }
}
