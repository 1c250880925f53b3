using System.Diagnostics;
using System.Net;
using Timonel.Network.ServiceProxy;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// A node and its pods as network namespaces, with no route out: a "node" netns holding a bridge
/// (10.244.1.1/24) with two "pod" netns on veths (10.244.1.2 pod-a, 10.244.1.3 pod-b, each running
/// busybox httpd on port 80 that answers its own name, and at /cgi-bin/who its name and the
/// client address it saw), and a "client" netns on another veth
/// (192.168.77.2, the node being 192.168.77.1) standing for a host outside the cluster. The node
/// routes the service CIDR 10.96.0.0/16 to the bridge so that a packet no rule took dies there.
/// Dispose kills the servers and deletes every namespace (which takes links and nft tables along),
/// also when creation failed half-way.
/// </summary>
internal sealed class NetLab : IAsyncDisposable
{
    public const string NodeAddress = "192.168.77.1";
    public const string ClientAddress = "192.168.77.2";
    public const string ClusterCidr = "10.244.0.0/16";
    public const string PodA = "10.244.1.2";
    public const string PodB = "10.244.1.3";

    private readonly List<string> _namespaces = [];
    private readonly List<Process> _servers = [];
    private readonly string _webRoot = Directory.CreateTempSubdirectory("timonel-netlab-").FullName;

    private NetLab()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        Node = "tpx-node-" + suffix;
        PodANs = "tpx-pa-" + suffix;
        PodBNs = "tpx-pb-" + suffix;
        Client = "tpx-cl-" + suffix;
    }

    public string Node { get; }
    public string PodANs { get; }
    public string PodBNs { get; }
    public string Client { get; }
    public static string PathOf(string ns) => "/var/run/netns/" + ns;

    public ProxyNode ProxyNode => new("node-a", [IPAddress.Parse(NodeAddress)], ClusterCidr);

    public INftRunner Nft => new NftProcessRunner(PathOf(Node));

    public static async Task<NetLab> CreateAsync()
    {
        var lab = new NetLab();
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
        foreach (var ns in new[] { Node, PodANs, PodBNs, Client })
        {
            _namespaces.Add(ns);
            await Must("ip", "netns", "add", ns);
            await Must("ip", "-n", ns, "link", "set", "lo", "up");
        }
        await Must("ip", "-n", Node, "link", "add", "br0", "type", "bridge");
        await Must("ip", "-n", Node, "addr", "add", "10.244.1.1/24", "dev", "br0");
        await Must("ip", "-n", Node, "link", "set", "br0", "up");
        foreach (var (ns, ip, port) in new[] { (PodANs, PodA, "vpa"), (PodBNs, PodB, "vpb") })
        {
            await Must("ip", "-n", Node, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
            await Must("ip", "-n", Node, "link", "set", port, "master", "br0", "up");
            // A pod reaching itself through its service: with br_netfilter the DNAT happens while
            // bridging and the frame must leave by the port it came in (the CNI bridge plugin's
            // hairpinMode does the same).
            await Must("ip", "-n", Node, "link", "set", port, "type", "bridge_slave", "hairpin", "on");
            await Must("ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
            await Must("ip", "-n", ns, "link", "set", "eth0", "up");
            await Must("ip", "-n", ns, "route", "add", "default", "via", "10.244.1.1");
        }
        await Must("ip", "-n", Node, "link", "add", "vcl", "type", "veth", "peer", "name", "eth0", "netns", Client);
        await Must("ip", "-n", Node, "addr", "add", NodeAddress + "/24", "dev", "vcl");
        await Must("ip", "-n", Node, "link", "set", "vcl", "up");
        await Must("ip", "-n", Client, "addr", "add", ClientAddress + "/24", "dev", "eth0");
        await Must("ip", "-n", Client, "link", "set", "eth0", "up");
        // The client reaches cluster IPs through the node, as a host next to a node would.
        await Must("ip", "-n", Client, "route", "add", "10.96.0.0/16", "via", NodeAddress);
        await Must("ip", "-n", Node, "route", "add", "10.96.0.0/16", "dev", "br0");
        await Must("nsenter", "--net=" + PathOf(Node), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        StartServer(PodANs, "pod-a");
        StartServer(PodBNs, "pod-b");
        foreach (var pod in new[] { PodA, PodB })
        {
            // Wait until the server listens: the tests then only see what the rules do.
            for (var attempt = 0; (await CurlAsync(Node, $"http://{pod}/")).Exit != 0; attempt++)
            {
                if (attempt > 100)
                {
                    throw new InvalidOperationException($"httpd on {pod} never answered");
                }
                await Task.Delay(50);
            }
        }
    }

    private void StartServer(string ns, string name)
    {
        var root = Path.Combine(_webRoot, name);
        WriteWhoPage(root, name);
        _servers.Add(StartHttpd(ns, root, 80));
    }

    /// <summary>
    /// A web root whose index answers <paramref name="name"/> and whose /cgi-bin/who answers
    /// "NAME CLIENT-ADDRESS": the address the server saw, to check masquerading.
    /// </summary>
    public static void WriteWhoPage(string root, string name)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "index.html"), name + "\n");
        var cgi = Directory.CreateDirectory(Path.Combine(root, "cgi-bin")).FullName;
        var who = Path.Combine(cgi, "who");
        File.WriteAllText(who, "#!/bin/sh\n"
            + "a=${REMOTE_ADDR#[}; a=${a%]}; a=${a#::ffff:}\n"
            + $"printf 'Content-Type: text/plain\\r\\n\\r\\n{name} %s\\n' \"$a\"\n");
        File.SetUnixFileMode(who, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>busybox httpd serving <paramref name="root"/> on <paramref name="port"/> inside <paramref name="ns"/>.</summary>
    public static Process StartHttpd(string ns, string root, int port)
    {
        var psi = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--net=" + PathOf(ns), "busybox", "httpd", "-f", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-h", root })
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi) ?? throw new InvalidOperationException("httpd did not start");
    }

    /// <summary>curl inside a namespace; Body is the page (the pod's name) on success.</summary>
    public static async Task<(int Exit, string Body, string Error)> CurlAsync(string ns, string url, string? localAddress = null)
    {
        var args = new List<string> { "--net=" + PathOf(ns), "curl", "-sS", "--max-time", "5" };
        if (localAddress is not null)
        {
            args.AddRange(["--interface", localAddress]);
        }
        args.Add(url);
        var (exit, output, error) = await RunAsync("nsenter", args);
        return (exit, output.Trim(), error.Trim());
    }

    /// <summary>Which pods answered <paramref name="count"/> requests (a failure counts as its error text).</summary>
    public static async Task<Dictionary<string, int>> AnswersAsync(string ns, string url, int count)
    {
        var answers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (exit, body, error) = await CurlAsync(ns, url);
            var key = exit == 0 ? body : $"curl exit {exit}: {error}";
            answers[key] = answers.GetValueOrDefault(key) + 1;
        }
        return answers;
    }

    public async Task<string> ListTableAsync() => (await RunAsync("nsenter", ["--net=" + PathOf(Node), "nft", "list", "table", "ip", "timonel"])).Output;

    public static async Task<(int Exit, string Output, string Error)> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    public static async Task Must(string file, params string[] args)
    {
        var (exit, _, error) = await RunAsync(file, args);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {exit}: {error}");
        }
    }

    public ValueTask DisposeAsync() => TearDownAsync(_servers, _namespaces, _webRoot);

    /// <summary>A lab's end: its servers killed, its namespaces deleted, its temp dir removed.</summary>
    public static async ValueTask TearDownAsync(IEnumerable<Process> servers, IEnumerable<string> namespaces, string tempDir)
    {
        foreach (var server in servers)
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
            server.Dispose();
        }
        foreach (var ns in namespaces)
        {
            await RunAsync("ip", ["netns", "del", ns]);
        }
        Directory.Delete(tempDir, recursive: true);
    }
}
