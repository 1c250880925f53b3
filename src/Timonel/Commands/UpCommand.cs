using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Agent;
using Timonel.Kubelet.Images;

namespace Timonel.Commands;

/// <summary>
/// `timonel up`: a local cluster on this machine: the control plane (API server, controllers,
/// scheduler) on the embedded SQLite store and one node agent, both in the background (or only
/// the server attached with --foreground). The node lives in a network namespace of its own
/// (<c>timonel-HASH</c>, HASH from the data dir) joined to the host by a veth pair with a free /30
/// of 10.213.0.0/16 (<see cref="NodeNetns"/>, saved in DIR/agent-netns.json for `down`). The server
/// listens on 127.0.0.1 (the kubeconfig's address) and on the host side of the veth (the agent's
/// way in), not on every address. `up` returns once the node is Ready.
/// </summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        var port = flags.Int("https-listen-port", 6443);
        var foreground = flags.Bool("foreground");
        var nodeName = (flags.String("node-name") ?? Environment.MachineName).ToLowerInvariant();
        flags.EnsureAllUsed();
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (foreground)
        {
            return await ServerCommand.RunAsync(Flags.Parse(["--data-dir", dataDir, "--https-listen-port", portText]));
        }

        var serverDir = Path.Combine(dataDir, "server");
        var agentDir = Path.Combine(dataDir, "agent");
        Directory.CreateDirectory(serverDir);
        Directory.CreateDirectory(agentDir);
        var netns = await EnsureNetnsAsync(dataDir);
        var log = Path.Combine(serverDir, "server.log");
        if (PidFile.Server.ReadRunning(dataDir) is { } running)
        {
            Console.WriteLine($"timonel: a server is already running for {dataDir} (pid {running})");
        }
        else
        {
            Console.WriteLine($"timonel: starting the API server (data dir {dataDir}, log {log})");
            var pid = Detached.StartTimonel([], ["server", "--data-dir", dataDir, "--https-listen-port", portText, "--bind-address", "127.0.0.1," + netns.HostIp], log);
            PidFile.Server.Write(dataDir, pid);
        }
        var url = $"https://127.0.0.1:{port}";
        if (!await WaitReadyAsync(dataDir, url, TimeSpan.FromSeconds(60)))
        {
            return Failed("the server did not become ready", log);
        }

        var agentLog = Path.Combine(agentDir, "agent.log");
        var images = Path.Combine(agentDir, ImageAutoImport.ImagesDirName);
        if (!Directory.Exists(images))
        {
            // Imported by the agent at start (ImageAutoImport); written once so they are imported once.
            await ProjectImages.WriteAllAsync(images);
        }
        if (PidFile.Agent.ReadRunning(dataDir) is { } agentRunning)
        {
            Console.WriteLine($"timonel: an agent is already running for {dataDir} (pid {agentRunning})");
        }
        else
        {
            Console.WriteLine($"timonel: starting the node agent {nodeName} in network namespace {netns.Netns} ({netns.NodeIp}; log {agentLog})");
            var token = File.ReadAllText(Path.Combine(serverDir, "token")).Trim();
            var pid = Detached.StartTimonel(["nsenter", "--net=" + netns.NetnsPath],
                ["agent", "--server", $"https://{netns.HostIp}:{port}", "--token", token, "--node-name", nodeName, "--data-dir", dataDir], agentLog);
            PidFile.Agent.Write(dataDir, pid);
        }
        var kubeconfig = Path.Combine(dataDir, "kubeconfig");
        if (!await WaitNodeReadyAsync(kubeconfig, nodeName, TimeSpan.FromSeconds(120)))
        {
            return Failed($"node {nodeName} did not become Ready", agentLog);
        }
        var bundled = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".tools", "bin", "kubectl");
        Console.WriteLine($"""
            timonel: API server ready at {url} (embedded SQLite store: {DataDir.StorePath(dataDir)}); node {nodeName} is Ready
              export KUBECONFIG={kubeconfig}
              kubectl get nodes{(File.Exists(bundled) ? $"      (kubectl v1.35: {Path.GetFullPath(bundled)})" : "")}
            running: API server, controller manager, scheduler, and one node agent with its own containerd
            (images timonel.local/pause:3.10, busybox:1, http:1 imported). Pods are reachable from the node's
            namespace (nsenter --net={netns.NetnsPath} curl http://POD-IP/); Services and pod egress come
            with the networking issue.
            stop it with: ./timonel down{(dataDir == DataDir.Resolve(Flags.Parse([])) ? "" : $" --data-dir {dataDir}")}
            """);
        return 0;
    }

    internal static string NetnsFile(string dataDir) => Path.Combine(dataDir, "agent-netns.json");

    /// <summary>The node's namespace of an earlier `up` if it still exists, else a new one.</summary>
    private static async Task<NodeNetns> EnsureNetnsAsync(string dataDir)
    {
        if (NodeNetns.Load(NetnsFile(dataDir)) is { } existing && File.Exists(existing.NetnsPath) && Directory.Exists("/sys/class/net/" + existing.HostVeth))
        {
            return existing;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir)))[..6];
        var netns = await NodeNetns.CreateAsync("timonel-" + hash, "tm" + hash, 213, Convert.ToInt32(hash[..4], 16) % 16384);
        netns.Save(NetnsFile(dataDir));
        return netns;
    }

    private static int Failed(string what, string log)
    {
        Console.Error.WriteLine($"timonel: {what}; last lines of {log}:");
        foreach (var line in File.Exists(log) ? File.ReadLines(log).TakeLast(20) : []) Console.Error.WriteLine("  " + line);
        return 1;
    }

    private static async Task<bool> WaitNodeReadyAsync(string kubeconfig, string nodeName, TimeSpan timeout)
    {
        using var api = ApiConnection.FromKubeconfig(kubeconfig);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var node = await api.GetAsync<V1Node>(null, nodeName);
                if (node.Value?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // The server is restarting; try again.
            }
            await Task.Delay(250);
        }
        return false;
    }

    private static async Task<bool> WaitReadyAsync(string dataDir, string url, TimeSpan timeout)
    {
        var caPath = Path.Combine(dataDir, "server", "tls", "ca.crt");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(caPath))
            {
                using var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
                using var handler = new SocketsHttpHandler();
                handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
                };
                using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
                try
                {
                    using var response = await client.GetAsync(url + "/readyz");
                    if (response.StatusCode == HttpStatusCode.OK) return true;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }
            }
            await Task.Delay(100);
        }
        return false;
    }
}
