using System.Diagnostics;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// One L2 segment as network namespaces, with no route out: a "switch" netns holding a bridge,
/// two "node" netns (192.168.78.11 node-a, 192.168.78.12 node-b, each on eth0) and a "client" netns
/// (192.168.78.2), each joined to the bridge by a veth. Each node runs busybox httpd on port 8080
/// answering its own name. Dispose kills the servers and deletes every namespace (links go with
/// them) and the temporary directory, also when creation failed half-way.
/// </summary>
internal sealed class L2Lab : IAsyncDisposable
{
    public const string ClientAddress = "192.168.78.2";
    public static readonly IReadOnlyDictionary<string, string> NodeAddresses =
        new Dictionary<string, string> { ["node-a"] = "192.168.78.11", ["node-b"] = "192.168.78.12" };

    private readonly List<string> _namespaces = [];
    private readonly List<Process> _servers = [];

    private L2Lab()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        Switch = "tlb-sw-" + suffix;
        Client = "tlb-cl-" + suffix;
        NodeNamespaces = NodeAddresses.Keys.ToDictionary(n => n, n => $"tlb-{n[^1]}-{suffix}");
    }

    public string Switch { get; }
    public string Client { get; }
    public IReadOnlyDictionary<string, string> NodeNamespaces { get; }
    public string TempDir { get; } = Directory.CreateTempSubdirectory("timonel-l2lab-").FullName;

    public static async Task<L2Lab> CreateAsync()
    {
        var lab = new L2Lab();
        try
        {
            await lab.BuildAsync();
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        foreach (var ns in NodeNamespaces.Values.Prepend(Client).Prepend(Switch))
        {
            _namespaces.Add(ns);
            await Must("ip", "netns", "add", ns);
            await Must("ip", "-n", ns, "link", "set", "lo", "up");
        }
        await Must("ip", "-n", Switch, "link", "add", "br0", "type", "bridge");
        await Must("ip", "-n", Switch, "link", "set", "br0", "up");
        var port = 0;
        foreach (var (ns, address) in NodeNamespaces.Select(kv => (kv.Value, NodeAddresses[kv.Key])).Append((Client, ClientAddress)))
        {
            var switchPort = $"p{port++}";
            await Must("ip", "-n", Switch, "link", "add", switchPort, "type", "veth", "peer", "name", "eth0", "netns", ns);
            await Must("ip", "-n", Switch, "link", "set", switchPort, "master", "br0", "up");
            await Must("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
            await Must("ip", "-n", ns, "link", "set", "eth0", "up");
        }
        foreach (var (node, ns) in NodeNamespaces)
        {
            StartServer(ns, node);
            for (var attempt = 0; (await NetLab.CurlAsync(ns, $"http://{NodeAddresses[node]}:8080/")).Exit != 0; attempt++)
            {
                if (attempt > 100)
                {
                    throw new InvalidOperationException($"httpd on {node} never answered");
                }
                await Task.Delay(50);
            }
        }
    }

    /// <summary>The MAC address of eth0 in a namespace.</summary>
    public static async Task<string> MacAsync(string ns) =>
        (await NetLab.RunAsync("ip", ["-n", ns, "-br", "link", "show", "dev", "eth0"])).Output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];

    /// <summary>The link-layer address the client's neighbour table has for an IP, or its state when it has none.</summary>
    public async Task<string> ClientNeighbourAsync(string ip)
    {
        var output = (await NetLab.RunAsync("ip", ["-n", Client, "neigh", "show", ip])).Output.Trim();
        var words = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(words, "lladdr");
        return at >= 0 && at + 1 < words.Length ? words[at + 1] : $"(none: \"{output}\")";
    }

    public static async Task<bool> HasAddressAsync(string ns, string ip) =>
        (await NetLab.RunAsync("ip", ["-n", ns, "-4", "addr", "show", "dev", "eth0"])).Output.Contains($" {ip}/", StringComparison.Ordinal);

    private void StartServer(string ns, string name)
    {
        var root = Directory.CreateDirectory(Path.Combine(TempDir, "www-" + name)).FullName;
        File.WriteAllText(Path.Combine(root, "index.html"), name + "\n");
        _servers.Add(NetLab.StartHttpd(ns, root, 8080));
    }

    private static Task Must(string file, params string[] args) => NetLab.Must(file, args);

    public ValueTask DisposeAsync() => NetLab.TearDownAsync(_servers, _namespaces, TempDir);
}
