using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Kubelet.Images;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>kubectl attach and port-forward through the API server's proxy, the agent endpoint and containerd's streaming server.</summary>
public sealed partial class KubectlStreamingTests
{
    [Fact]
    public async Task Kubectl_attach_gives_stdin_to_the_containers_shell_and_shows_its_output()
    {
        await node.RunPodAsync(new ApiServerNode.PodRun("attach-pod", ["sh"], ["main"], Stdin: true));
        // The shell computes the answer, so the output is the container's, not an echo of the input;
        // stdinOnce closes the shell's stdin when kubectl's input ends, so the shell and attach end.
        var attach = await node.Kubectl.RunAsync("echo attached-$((20+22))\n", "attach", "-i", "attach-pod");
        Assert.True(attach.ExitCode == 0, attach.Stderr);
        Assert.Equal("attached-42\n", attach.Stdout);
    }

    [Fact]
    public async Task Kubectl_attach_without_stdin_follows_the_containers_output()
    {
        await node.RunPodAsync(new ApiServerNode.PodRun("ticker", ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done"], ["main"]));
        using var attach = node.Kubectl.Start(["attach", "ticker"]);
        try
        {
            // Attach shows what the container writes from now on (earlier lines are only in its log).
            var first = await attach.StandardOutput.ReadLineAsync();
            var second = await attach.StandardOutput.ReadLineAsync();
            Assert.Matches("^tick-[0-9]+$", first);
            Assert.Equal($"tick-{int.Parse(first!["tick-".Length..]) + 1}", second);
        }
        finally
        {
            if (!attach.HasExited) attach.Kill();
            await attach.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Kubectl_attach_with_a_terminal_runs_the_shell_interactively()
    {
        await node.RunPodAsync(new ApiServerNode.PodRun("tty-pod", ["sh"], ["main"], Stdin: true, Tty: true));
        // -t needs a terminal on kubectl's side: `script` gives it one and types our input into it.
        string[] words = [RepoPaths.Kubectl, .. node.Kubectl.Arguments, "attach", "-it", "tty-pod"];
        var command = string.Join(' ', words.Select(Quote));
        var (code, stdout, stderr) = await Run.CommandWithInputAsync("echo tty-$((6*7)); exit\n", "script", "-qec", command, "/dev/null");
        Assert.True(code == 0, stderr + stdout);
        // Only the shell computes 42: the terminal's echo of the input says $((6*7)).
        Assert.Contains("tty-42", stdout, StringComparison.Ordinal);
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [Fact]
    public async Task Kubectl_port_forward_reaches_a_pods_ports_over_websocket_and_spdy_also_one_bound_to_the_pods_loopback()
    {
        // http-serve answers with the pod's name on 80; a second httpd listens on the pod's 127.0.0.1 only.
        var id = await node.RunPodAsync(new ApiServerNode.PodRun("pf-pod",
            ["sh", "-c", "mkdir -p /tmp/lo && echo loopback-only > /tmp/lo/index.html && httpd -p 127.0.0.1:8081 -h /tmp/lo && exec /bin/http-serve"],
            ["web"], ProjectImages.Http, Labels: new Dictionary<string, string> { ["app"] = "pf" }));
        await WaitServingAsync(id!, 80, 8081);

        // kubectl 1.35 tunnels SPDY through a WebSocket; the environment switch makes it use its SPDY upgrade fallback.
        foreach (var kubectl in new[] { node.Kubectl, node.Kubectl.With("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false") })
        {
            await WithPortForwardAsync(kubectl, ["pod/pf-pod", ":80", ":8081"], async ports =>
            {
                Assert.Equal("pf-pod\n", await GetAsync(ports[80]));
                Assert.Equal("loopback-only\n", await GetAsync(ports[8081]));
                // Connections one after another and at once share the session.
                var many = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => GetAsync(ports[80])));
                Assert.All(many, body => Assert.Equal("pf-pod\n", body));
            });
        }
    }

    [Fact]
    public async Task KubernetesClient_port_forward_carries_an_http_exchange_on_the_ports_channel()
    {
        var id = await node.RunPodAsync(new ApiServerNode.PodRun("client-pf-pod", ["/bin/http-serve"], ["web"], ProjectImages.Http));
        await WaitServingAsync(id!, 80);
        using var client = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(node.Server.Kubeconfig));
        using var socket = await client.WebSocketNamespacedPodPortForwardAsync("client-pf-pod", "default", [80]);
        using var demuxer = new k8s.StreamDemuxer(socket, k8s.StreamType.PortForward);
        demuxer.Start();
        await using var stream = demuxer.GetStream((byte?)0, (byte?)0);
        await stream.WriteAsync("GET / HTTP/1.0\r\nHost: pod\r\n\r\n"u8.ToArray());
        // busybox httpd closes after one HTTP/1.0 answer: the runtime ends the data stream, and the session with it.
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nclient-pf-pod\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_port_forward_to_a_service_reaches_a_pod_behind_it()
    {
        var id = await node.RunPodAsync(new ApiServerNode.PodRun("svc-pf-pod", ["/bin/http-serve"], ["web"], ProjectImages.Http,
            Labels: new Dictionary<string, string> { ["app"] = "svc-pf" }));
        await ApiServerNode.CheckedAsync(node.Admin.PostAsJsonAsync("/api/v1/namespaces/default/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "svc-pf" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["app"] = "svc-pf" },
                ["ports"] = new JsonArray(new JsonObject { ["port"] = 8080, ["targetPort"] = 80 }),
            },
        }));
        await WaitServingAsync(id!, 80);
        // kubectl resolves the service to a pod and its port 8080 to the target port 80 itself.
        await WithPortForwardAsync(node.Kubectl, ["svc/svc-pf", ":8080"], async ports =>
            Assert.Equal("svc-pf-pod\n", await GetAsync(ports[80])));
    }

    /// <summary>Until the pod's servers answer from inside it: a forwarded connection refused by the pod ends kubectl port-forward.</summary>
    private async Task WaitServingAsync(string containerId, params int[] ports) => await Run.UntilAsync(async () =>
    {
        var script = string.Join(" && ", ports.Select(p => $"wget -qO- http://127.0.0.1:{p}/"));
        var probe = await node.Containerd.Cri.ExecSyncAsync(containerId, ["sh", "-c", script], TimeSpan.FromSeconds(10));
        return probe.IsSuccess && probe.Value!.ExitCode == 0 ? "" : null;
    }, "the pod's servers to answer");

    /// <summary>Runs `kubectl port-forward` with random local ports until <paramref name="use"/> is done; ports: remote → local.</summary>
    private static async Task WithPortForwardAsync(Kubectl kubectl, string[] args, Func<IReadOnlyDictionary<int, int>, Task> use)
    {
        using var forward = kubectl.Start(["port-forward", .. args]);
        var stderr = forward.StandardError.ReadToEndAsync();
        try
        {
            var ports = new Dictionary<int, int>();
            var wanted = args.Count(a => a.StartsWith(':'));
            while (ports.Count < wanted)
            {
                var line = await forward.StandardOutput.ReadLineAsync()
                           ?? throw new InvalidOperationException("kubectl port-forward ended: " + await stderr);
                // "Forwarding from 127.0.0.1:40123 -> 80" (and the same for [::1]).
                var match = Regex.Match(line, @"^Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)$");
                if (match.Success) ports[int.Parse(match.Groups[2].Value)] = int.Parse(match.Groups[1].Value);
            }
            await use(ports);
        }
        catch (Exception e) when (e is not InvalidOperationException { Source: "kubectl" })
        {
            if (!forward.HasExited) forward.Kill();
            throw new InvalidOperationException($"{e.Message}; kubectl port-forward said: {await stderr}", e) { Source = "kubectl" };
        }
        finally
        {
            if (!forward.HasExited) forward.Kill();
            await forward.WaitForExitAsync();
        }
    }

    private static async Task<string> GetAsync(int localPort) =>
        await TryGetAsync(localPort) ?? throw new InvalidOperationException($"GET through local port {localPort} failed");

    private static async Task<string?> TryGetAsync(int localPort)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero });
        try
        {
            return await http.GetStringAsync($"http://127.0.0.1:{localPort}/");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
