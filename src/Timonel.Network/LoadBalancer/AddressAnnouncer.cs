using System.Net;
using Microsoft.Extensions.Logging;
using Timonel.Network.Host;

namespace Timonel.Network.LoadBalancer;

/// <summary>
/// Makes this node answer ARP for exactly the load-balancer addresses it won: each is added to the
/// link holding the node address, so the kernel itself answers ARP and delivers the packets (the
/// service proxy's prerouting DNAT runs before the local-delivery decision, so a Service port is
/// still forwarded to its endpoints). An address inside the node's subnet is added with the
/// subnet's prefix length: it becomes a secondary address, never picked as a source address and
/// answered even under arp_ignore=2; any other address is added as /32. A newly added address is
/// announced with gratuitous ARP so neighbours move to this node at once.
/// Invariant: the state file lists every address this announcer may have added and not yet
/// removed (written before adding), so a restarted agent removes what it no longer wins and never
/// touches an address it did not add.
/// </summary>
public sealed class AddressAnnouncer
{
    private readonly IPAddress _nodeIp;
    private readonly ILinkCommands _link;
    private readonly string _stateFile;
    private readonly ILogger _logger;
    // Touched only by ApplyAsync (one caller at a time); readers get the immutable snapshot.
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);
    private volatile IReadOnlySet<string> _held = new HashSet<string>();

    public AddressAnnouncer(IPAddress nodeIp, ILinkCommands link, string stateDir, ILogger logger)
    {
        _nodeIp = nodeIp;
        _link = link;
        _logger = logger;
        Directory.CreateDirectory(stateDir);
        _stateFile = Path.Combine(stateDir, "addresses");
    }

    /// <summary>The addresses held after the last apply (a snapshot, safe to read from any thread).</summary>
    public IReadOnlySet<string> Held => _held;

    /// <summary>
    /// Brings the node's link to exactly <paramref name="wanted"/>; an error text when a step failed
    /// (retry later). Not concurrent with itself.
    /// </summary>
    public async Task<string?> ApplyAsync(IReadOnlySet<string> wanted, CancellationToken ct)
    {
        var link = await _link.FindNodeLinkAsync(_nodeIp, ct).ConfigureAwait(false);
        if (link is null)
        {
            return $"no link holds the node address {_nodeIp}";
        }
        var nodeAddress = _nodeIp.ToString();
        var wantedHere = wanted.Where(a => a != nodeAddress).ToHashSet(StringComparer.Ordinal);
        var recorded = ReadState();
        WriteState(recorded.Union(wantedHere));
        var errors = new List<string>();
        var takeovers = new List<Task<CommandResult>>();
        foreach (var address in wantedHere.Order(StringComparer.Ordinal))
        {
            if (!link.Addresses.Any(a => a.Address == address))
            {
                var added = await _link.AddAddressAsync(link.Name, new LinkAddress(address, PrefixFor(link, address)), ct).ConfigureAwait(false);
                if (!added.Ok)
                {
                    errors.Add($"adding {address} to {link.Name}: {added}");
                    continue;
                }
                AnnouncerLog.Holding(_logger, address, link.Name);
            }
            if (_announced.Add(address))
            {
                takeovers.Add(_link.AnnounceAsync(link.Name, address, ct));
            }
        }
        var kept = new HashSet<string>(wantedHere, StringComparer.Ordinal);
        foreach (var address in recorded.Except(wantedHere))
        {
            _announced.Remove(address);
            if (link.Addresses.FirstOrDefault(a => a.Address == address) is { Address.Length: > 0 } present)
            {
                var deleted = await _link.DeleteAddressAsync(link.Name, present, ct).ConfigureAwait(false);
                if (!deleted.Ok)
                {
                    errors.Add($"removing {address} from {link.Name}: {deleted}");
                    kept.Add(address);
                    continue;
                }
                AnnouncerLog.Released(_logger, address, link.Name);
            }
        }
        WriteState(kept);
        _held = _announced.ToHashSet(StringComparer.Ordinal);
        foreach (var result in await Task.WhenAll(takeovers).ConfigureAwait(false))
        {
            if (!result.Ok)
            {
                // Neighbours still find the address by ARP when their entry expires: worth a warning, not a retry loop.
                AnnouncerLog.GratuitousArpFailed(_logger, result.ToString());
            }
        }
        return errors.Count == 0 ? null : string.Join("; ", errors);
    }

    private int PrefixFor(NodeLink link, string address) =>
        IPNetwork.Parse($"{Masked(_nodeIp, link.NodePrefixLength)}/{link.NodePrefixLength}").Contains(IPAddress.Parse(address))
            ? link.NodePrefixLength
            : 32;

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < 32; bit++)
        {
            bytes[bit / 8] &= (byte)~(1 << (7 - (bit % 8)));
        }
        return new IPAddress(bytes);
    }

    private HashSet<string> ReadState() =>
        File.Exists(_stateFile)
            ? File.ReadAllLines(_stateFile).Where(l => IPAddress.TryParse(l, out _)).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

    private void WriteState(IEnumerable<string> addresses)
    {
        var temporary = _stateFile + ".tmp";
        File.WriteAllLines(temporary, addresses.Order(StringComparer.Ordinal));
        File.Move(temporary, _stateFile, overwrite: true);
    }
}

internal static partial class AnnouncerLog
{
    [LoggerMessage(EventId = 7301, Level = LogLevel.Information, Message = "lb announcer: answering ARP for {Address} on {Link}")]
    public static partial void Holding(ILogger logger, string address, string link);

    [LoggerMessage(EventId = 7302, Level = LogLevel.Information, Message = "lb announcer: released {Address} from {Link}")]
    public static partial void Released(ILogger logger, string address, string link);

    [LoggerMessage(EventId = 7303, Level = LogLevel.Warning, Message = "lb announcer: gratuitous ARP failed: {Error}")]
    public static partial void GratuitousArpFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 7304, Level = LogLevel.Warning, Message = "lb announcer: apply failed, retrying: {Error}")]
    public static partial void ApplyFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 7305, Level = LogLevel.Information, Message = "lb announcer started on node {Node} ({NodeIp})")]
    public static partial void Started(ILogger logger, string node, string nodeIp);
}
