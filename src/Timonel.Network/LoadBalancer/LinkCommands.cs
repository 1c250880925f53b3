using System.Net;
using System.Text.Json;
using Timonel.Network.Host;

namespace Timonel.Network.LoadBalancer;

/// <summary>An IPv4 address on a link, with its prefix length.</summary>
public readonly record struct LinkAddress(string Address, int PrefixLength);

/// <summary>The link that holds the node's address and every IPv4 address on it.</summary>
public sealed record NodeLink(string Name, int NodePrefixLength, IReadOnlyList<LinkAddress> Addresses);

/// <summary>The kernel side of the announcer: addresses on links and gratuitous ARP.</summary>
public interface ILinkCommands
{
    /// <summary>The link holding <paramref name="nodeIp"/>; null when no link holds it (yet).</summary>
    Task<NodeLink?> FindNodeLinkAsync(IPAddress nodeIp, CancellationToken ct);

    Task<CommandResult> AddAddressAsync(string link, LinkAddress address, CancellationToken ct);

    Task<CommandResult> DeleteAddressAsync(string link, LinkAddress address, CancellationToken ct);

    /// <summary>Unsolicited ARP for the address from the link, so neighbours move their entry here.</summary>
    Task<CommandResult> AnnounceAsync(string link, string address, CancellationToken ct);
}

/// <summary>
/// The real `ip` (iproute2) and `arping` (iputils-arping), in the current network namespace or,
/// through `nsenter --net=PATH`, in another (tests).
/// </summary>
public sealed class LinkCommands(string? networkNamespacePath = null) : ILinkCommands
{
    private readonly HostCommands _commands = new(networkNamespacePath);

    public async Task<NodeLink?> FindNodeLinkAsync(IPAddress nodeIp, CancellationToken ct)
    {
        var result = await RunAsync("ip", ["-j", "-4", "addr", "show"], ct).ConfigureAwait(false);
        if (!result.Ok)
        {
            return null;
        }
        var wanted = nodeIp.ToString();
        using var document = JsonDocument.Parse(result.Output);
        foreach (var link in document.RootElement.EnumerateArray())
        {
            var addresses = new List<LinkAddress>();
            if (link.TryGetProperty("addr_info", out var infos))
            {
                foreach (var info in infos.EnumerateArray())
                {
                    if (info.TryGetProperty("local", out var local) && info.TryGetProperty("prefixlen", out var prefix))
                    {
                        addresses.Add(new LinkAddress(local.GetString() ?? "", prefix.GetInt32()));
                    }
                }
            }
            if (addresses.FirstOrDefault(a => a.Address == wanted) is { Address.Length: > 0 } node)
            {
                return new NodeLink(link.GetProperty("ifname").GetString() ?? "", node.PrefixLength, addresses);
            }
        }
        return null;
    }

    public Task<CommandResult> AddAddressAsync(string link, LinkAddress address, CancellationToken ct) =>
        RunAsync("ip", ["addr", "replace", $"{address.Address}/{address.PrefixLength}", "dev", link], ct);

    public Task<CommandResult> DeleteAddressAsync(string link, LinkAddress address, CancellationToken ct) =>
        RunAsync("ip", ["addr", "del", $"{address.Address}/{address.PrefixLength}", "dev", link], ct);

    // Two unsolicited requests a second apart, in case one is lost (arping takes only whole
    // seconds). Linux neighbours take a gratuitous ARP even within their locktime.
    public Task<CommandResult> AnnounceAsync(string link, string address, CancellationToken ct) =>
        RunAsync("arping", ["-q", "-U", "-c", "2", "-I", link, address], ct);

    private async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        try
        {
            return await _commands.RunAsync(file, arguments, null, ct).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // A missing binary (e.g. arping not installed) is the machine's state, not a bug here.
            return new CommandResult(127, "", $"{file}: {e.Message}");
        }
    }
}
