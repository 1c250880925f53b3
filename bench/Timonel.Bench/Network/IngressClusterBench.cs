using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Timonel.Bench.ApiServer;
using Timonel.Bench.Storage;

namespace Timonel.Bench.Network;

/// <summary>
/// ingress-cluster (root): issue 7's measure on a real cluster. `timonel up --nodes 1 --isolated`
/// on a fresh temp data dir; with the real kubectl, a Deployment of one `timonel.local/http:1` pod
/// (busybox httpd serving a small /index.html), its Service and an Ingress for host bench.test;
/// once the pod runs and the ingress answers 200, the same load generator (`http-load`, a child
/// process inside the node's network namespace, the only place that reaches both the pod IP and
/// the node's ingress) runs against the pod IP:80 straight and against the node IP:80 with Host
/// bench.test, R rounds alternating so that load from elsewhere falls on both alike. Each round,
/// the means and the ratio ingress/direct (goal >= 0.5) are printed. `timonel down` always runs.
/// busybox httpd answers one request per connection, so straight to the pod every request is a
/// new TCP connection and a fork in the pod; through the ingress the client's connections are
/// kept alive and the ingress opens the new connection to the pod.
/// Flags: --seconds 4 --rounds 3 --connections 16 --warmup-seconds 1 --port 16445.
/// </summary>
internal static partial class IngressClusterBench
{
    private const string Namespace = "ingbench";
    private const string Host = "bench.test";

    private const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: ingbench}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ingbench}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: http
                image: timonel.local/http:1
                imagePullPolicy: Never
                ports: [{containerPort: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: ingbench}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 80}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: ingbench}
        spec:
          rules:
          - host: bench.test
            http:
              paths:
              - path: /
                pathType: Prefix
                backend: {service: {name: web, port: {number: 80}}}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var seconds = flags.Int("seconds", 4);
        var rounds = flags.Int("rounds", 3);
        var connections = flags.Int("connections", 16);
        var warmup = flags.Int("warmup-seconds", 1);
        var port = flags.Int("port", 16445);
        flags.CheckAllUsed();
        var dataDir = Path.Combine(Path.GetTempPath(), "timonel-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var up = await CaptureAsync("dotnet", null, BenchServer.TimonelDll, "up", "--nodes", "1", "--isolated",
                "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture), "--node-name", "bench");
            if (up.Code != 0)
            {
                Console.Error.WriteLine($"timonel up exited {up.Code}: {up.Output}");
                return 1;
            }
            var (netns, nodeIp) = FirstNode(dataDir);
            var kubeconfig = Path.Combine(dataDir, "kubeconfig");
            var manifest = Path.Combine(dataDir, "ingbench.yaml");
            await File.WriteAllTextAsync(manifest, Manifest);
            if (await KubectlAsync(kubeconfig, "apply", "-f", manifest) is { Code: not 0 } apply)
            {
                Console.Error.WriteLine("kubectl apply failed: " + apply.Output);
                return 1;
            }
            if (await KubectlAsync(kubeconfig, "-n", Namespace, "rollout", "status", "deployment/web", "--timeout=180s") is { Code: not 0 } rollout)
            {
                Console.Error.WriteLine("the pod did not become ready: " + rollout.Output);
                return 1;
            }
            var podIp = (await KubectlAsync(kubeconfig, "-n", Namespace, "get", "pods", "-l", "app=web",
                "-o", "jsonpath={.items[0].status.podIP}")).Output.Trim();
            var direct = $"http://{podIp}:80/index.html";
            var through = $"http://{nodeIp}:80/index.html";
            if (!await AnswersOkAsync(netns, direct, null, TimeSpan.FromSeconds(30)) || !await AnswersOkAsync(netns, through, Host, TimeSpan.FromSeconds(90)))
            {
                Console.Error.WriteLine($"no 200 from the pod {direct} or from the ingress {through} (Host {Host})");
                return 1;
            }

            Console.WriteLine($"1 node, pod {podIp}, ingress {nodeIp}:80 Host {Host}; load from the node's netns {netns}: {connections} connections, {rounds} rounds of {seconds} s per target after {warmup} s warm-up, {Environment.ProcessorCount} cores");
            var directRates = new List<double>();
            var throughRates = new List<double>();
            long errors = 0;
            for (var round = 1; round <= rounds; round++)
            {
                var d = await LoadAsync(netns, direct, null, seconds, connections, warmup);
                var t = await LoadAsync(netns, through, Host, seconds, connections, warmup);
                if (d is null || t is null)
                {
                    return 1;
                }
                directRates.Add(d.Value.PerSecond);
                throughRates.Add(t.Value.PerSecond);
                errors += d.Value.Errors + t.Value.Errors;
                Console.WriteLine($"round {round}: straight to the pod {d.Value.PerSecond:F0} requests/s, through the ingress {t.Value.PerSecond:F0} requests/s, ratio {t.Value.PerSecond / d.Value.PerSecond:F2} (errors {d.Value.Errors} direct, {t.Value.Errors} through)");
            }
            var ratio = throughRates.Average() / directRates.Average();
            Console.WriteLine($"mean: straight to the pod {directRates.Average():F0} requests/s, through the ingress {throughRates.Average():F0} requests/s ({errors} errors)");
            Console.WriteLine($"ratio ingress/direct: {ratio:F2} (goal >= 0.5: {(ratio >= 0.5 ? "met" : "not met")})");
            return errors == 0 ? 0 : 1;
        }
        finally
        {
            await CaptureAsync("dotnet", null, BenchServer.TimonelDll, "down", "--data-dir", dataDir);
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    /// <summary>Node 1's namespace name and IP, from the topology `up` saved.</summary>
    private static (string Netns, string NodeIp) FirstNode(string dataDir)
    {
        using var net = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "cluster-net.json")));
        var node = net.RootElement.GetProperty("Nodes").EnumerateArray().First(n => n.GetProperty("Index").GetInt32() == 1);
        return (node.GetProperty("Netns").GetString()!, node.GetProperty("NodeIp").GetString()!);
    }

    /// <summary>The ingress learns routes from watches, so the first 200 can come some time after the pod is ready.</summary>
    private static async Task<bool> AnswersOkAsync(string netns, string url, string? host, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < bound)
        {
            string[] hostHeader = host is null ? [] : ["-H", "Host: " + host];
            var (code, output) = await CaptureAsync("nsenter", null, ["--net=/var/run/netns/" + netns, "curl", "-s", "-o", "/dev/null",
                "-w", "%{http_code}", "--max-time", "2", .. hostHeader, url]);
            if (code == 0 && output.Trim() == "200")
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }

    /// <summary>One `http-load` child in the node's namespace; null (reported) if it failed or printed no result.</summary>
    private static async Task<HttpLoadResult?> LoadAsync(string netns, string url, string? host, int seconds, int connections, int warmup)
    {
        var (code, output) = await CaptureAsync("nsenter", null, ["--net=/var/run/netns/" + netns, "dotnet",
            Path.Combine(AppContext.BaseDirectory, "Timonel.Bench.dll"), "http-load", "--url", url, .. host is null ? Array.Empty<string>() : ["--host", host],
            "--seconds", Text(seconds), "--connections", Text(connections), "--warmup-seconds", Text(warmup)]);
        var match = ResultLine().Match(output);
        if (code != 0 || !match.Success)
        {
            Console.Error.WriteLine($"http-load {url} exited {code}: {output}");
            return null;
        }
        return new HttpLoadResult(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"requests/s=([0-9.]+) errors=([0-9]+) cpu-us-per-request=([0-9.]+)")]
    private static partial Regex ResultLine();

    private static Task<(int Code, string Output)> KubectlAsync(string kubeconfig, params string[] args) =>
        CaptureAsync(Path.GetFullPath(".tools/bin/kubectl"), kubeconfig, args);

    private static async Task<(int Code, string Output)> CaptureAsync(string file, string? kubeconfig, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        if (kubeconfig is not null)
        {
            info.Environment["KUBECONFIG"] = kubeconfig;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
