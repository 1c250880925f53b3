using System.Diagnostics;
using System.Net;
using k8s.Models;
using Timonel.Network.Host;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// Nodes of a cluster as network namespaces, each with one "pod" namespace, for the overlay.
/// Node I has pods 10.42.I.0/24 on a bridge timonel0 (10.42.I.1) and one pod 10.42.I.2 running
/// busybox httpd whose /cgi-bin/who answers "pod-I CLIENT-ADDRESS". The nodes' own network (the
/// underlay, one more namespace) is either
/// - <see cref="Underlay.SharedSegment"/>: a bridge (10.77.0.1/24) with node I at 10.77.0.(10+I),
///   the bridge side also running httpd ("host CLIENT-ADDRESS") as a machine outside the cluster; or
/// - <see cref="Underlay.Routed"/>: a router, node I alone on 10.(80+I).0.0/24 at .2 with a
///   default route via the router's .1, so that no two nodes share a subnet.
/// Dispose kills the servers and deletes every namespace (taking links and nft tables along),
/// also when creation failed half-way.
/// </summary>
internal sealed class OverlayLab : IAsyncDisposable
{
    public enum Underlay { SharedSegment, Routed }

    public const string ClusterCidr = "10.42.0.0/16";
    public const string HostAddress = "10.77.0.1";
    public const int BigSize = 300_000;

    private readonly List<string> _namespaces = [];
    private readonly List<Process> _servers = [];
    private readonly string _webRoot = Directory.CreateTempSubdirectory("timonel-overlaylab-").FullName;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    private OverlayLab(Underlay underlay) => Kind = underlay;

    public Underlay Kind { get; }
    public string UnderlayNs => "tov-u-" + _suffix;
    public List<LabNode> Nodes { get; } = [];

    public sealed record LabNode(int Index, string Ns, string PodNs, OverlayNode Overlay)
    {
        public string PodIp => $"10.42.{Index}.2";
        public IOverlayKernel Kernel => new IpOverlayKernel(new HostCommands(NetLab.PathOf(Ns)));

        /// <summary>This node's Node object as its agent leaves it: podCIDR from IPAM, the VTEP annotations published.</summary>
        public V1Node NodeObject() => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = Overlay.Name,
                Annotations = new Dictionary<string, string>
                {
                    [OverlayConstants.VtepMacAnnotation] = Overlay.VtepMac,
                    [OverlayConstants.PublicIpAnnotation] = Overlay.NodeIp.ToString(),
                },
            },
            Spec = new V1NodeSpec { PodCIDR = Overlay.PodCidr.ToString() },
        };
    }

    public static async Task<OverlayLab> CreateAsync(Underlay underlay, int nodes)
    {
        var lab = new OverlayLab(underlay);
        try
        {
            await lab.BuildAsync(nodes);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(int nodes)
    {
        await AddNamespaceAsync(UnderlayNs);
        if (Kind == Underlay.SharedSegment)
        {
            await Must("ip", "-n", UnderlayNs, "link", "add", "br0", "type", "bridge");
            await Must("ip", "-n", UnderlayNs, "addr", "add", HostAddress + "/24", "dev", "br0");
            await Must("ip", "-n", UnderlayNs, "link", "set", "br0", "up");
            StartServer(UnderlayNs, "host");
        }
        else
        {
            await Must("nsenter", "--net=" + NetLab.PathOf(UnderlayNs), "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward");
        }
        for (var i = 1; i <= nodes; i++)
        {
            Nodes.Add(await AddNodeAsync(i));
        }
        await WaitForServersAsync();
    }

    private async Task<LabNode> AddNodeAsync(int i)
    {
        var ns = $"tov-n{i}-{_suffix}";
        var podNs = $"tov-p{i}-{_suffix}";
        await AddNamespaceAsync(ns);
        await AddNamespaceAsync(podNs);
        var port = "vn" + i;
        await Must("ip", "-n", UnderlayNs, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        string nodeIp;
        if (Kind == Underlay.SharedSegment)
        {
            nodeIp = $"10.77.0.{10 + i}";
            await Must("ip", "-n", UnderlayNs, "link", "set", port, "master", "br0", "up");
            await Must("ip", "-n", ns, "addr", "add", nodeIp + "/24", "dev", "eth0");
            await Must("ip", "-n", ns, "link", "set", "eth0", "up");
        }
        else
        {
            nodeIp = $"10.{80 + i}.0.2";
            await Must("ip", "-n", UnderlayNs, "addr", "add", $"10.{80 + i}.0.1/24", "dev", port);
            await Must("ip", "-n", UnderlayNs, "link", "set", port, "up");
            await Must("ip", "-n", ns, "addr", "add", nodeIp + "/24", "dev", "eth0");
            await Must("ip", "-n", ns, "link", "set", "eth0", "up");
            await Must("ip", "-n", ns, "route", "add", "default", "via", $"10.{80 + i}.0.1");
        }
        // The pod network as the agent's CNI bridge leaves it: gateway .1 on timonel0.
        await Must("ip", "-n", ns, "link", "add", "timonel0", "type", "bridge");
        await Must("ip", "-n", ns, "addr", "add", $"10.42.{i}.1/24", "dev", "timonel0");
        await Must("ip", "-n", ns, "link", "set", "timonel0", "up");
        await Must("ip", "-n", ns, "link", "add", "vp", "type", "veth", "peer", "name", "eth0", "netns", podNs);
        await Must("ip", "-n", ns, "link", "set", "vp", "master", "timonel0", "up");
        await Must("ip", "-n", podNs, "addr", "add", $"10.42.{i}.2/24", "dev", "eth0");
        await Must("ip", "-n", podNs, "link", "set", "eth0", "up");
        await Must("ip", "-n", podNs, "route", "add", "default", "via", $"10.42.{i}.1");
        StartServer(podNs, "pod-" + i);
        return new LabNode(i, ns, podNs, OverlayNode.Parse("node-" + i, IPAddress.Parse(nodeIp), $"10.42.{i}.0/24", ClusterCidr));
    }

    /// <summary>Waits until every httpd listens (from its own node), so that tests only see what the overlay does.</summary>
    private async Task WaitForServersAsync()
    {
        var checks = Nodes.Select(n => (n.Ns, $"http://{n.PodIp}/")).ToList();
        if (Kind == Underlay.SharedSegment)
        {
            checks.Add((UnderlayNs, $"http://{HostAddress}/"));
        }
        foreach (var (ns, url) in checks)
        {
            for (var attempt = 0; (await NetLab.CurlAsync(ns, url)).Exit != 0; attempt++)
            {
                if (attempt > 100)
                {
                    throw new InvalidOperationException($"httpd at {url} never answered");
                }
                await Task.Delay(50);
            }
        }
    }

    /// <summary>The Node objects of these lab nodes (all by default), as the informer would list them.</summary>
    public List<V1Node> NodeObjects(params int[] only) =>
        [.. Nodes.Where(n => only.Length == 0 || only.Contains(n.Index)).Select(n => n.NodeObject())];

    /// <summary>curl from node <paramref name="from"/>'s pod to pod <paramref name="to"/>'s /cgi-bin/who: "pod-TO ADDRESS-IT-SAW" on success.</summary>
    public Task<(int Exit, string Body, string Error)> PodToPodAsync(int from, int to) =>
        NetLab.CurlAsync(Nodes[from - 1].PodNs, $"http://{Nodes[to - 1].PodIp}/cgi-bin/who");

    /// <summary>How many bytes of pod <paramref name="to"/>'s <c>big</c> page pod <paramref name="from"/> received (curl's failure as text otherwise).</summary>
    public async Task<string> DownloadAsync(int from, int to)
    {
        var (exit, output, error) = await NetLab.RunAsync("nsenter",
            ["--net=" + NetLab.PathOf(Nodes[from - 1].PodNs), "curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{size_download}", $"http://{Nodes[to - 1].PodIp}/big"]);
        return exit == 0 ? output.Trim() : $"curl exit {exit}: {error.Trim()}";
    }

    public static async Task<string> InAsync(string ns, params string[] command)
    {
        var (exit, output, error) = await NetLab.RunAsync("nsenter", ["--net=" + NetLab.PathOf(ns), .. command]);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} in {ns}: exit {exit}: {error}");
        }
        return output;
    }

    private async Task AddNamespaceAsync(string ns)
    {
        _namespaces.Add(ns);
        await Must("ip", "netns", "add", ns);
        await Must("ip", "-n", ns, "link", "set", "lo", "up");
    }

    private void StartServer(string ns, string name)
    {
        var root = Path.Combine(_webRoot, name);
        NetLab.WriteWhoPage(root, name);
        // Larger than any MTU: full-size segments must cross the overlay (whose MTU is 50 less than the pods').
        File.WriteAllText(Path.Combine(root, "big"), new string('x', BigSize));
        _servers.Add(NetLab.StartHttpd(ns, root, 80));
    }

    private static Task Must(string file, params string[] args) => NetLab.Must(file, args);

    public ValueTask DisposeAsync() => NetLab.TearDownAsync(_servers, _namespaces, _webRoot);
}
