using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Kubelet.Agent;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// `timonel agent` as a user meets it: a node that registers, runs a Deployment's pods as real
/// containers reachable from the node, replaces a deleted pod, and survives its own kill -9
/// without restarting containers. Driven through the real kubectl.
/// </summary>
public sealed class AgentNodeTests(AgentNode node) : IClassFixture<AgentNode>
{
    [Fact]
    public async Task Node_registers_ready_with_the_machines_capacity_and_info()
    {
        var n = await node.WaitReadyAsync();
        var status = n["status"]!;
        var capacity = status["capacity"]!;
        Assert.Equal(Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), capacity["cpu"]!.GetValue<string>());
        Assert.Equal(NodeFacts.MemTotalKib() + "Ki", capacity["memory"]!.GetValue<string>());
        Assert.Equal("110", capacity["pods"]!.GetValue<string>());
        Assert.True(long.Parse(capacity["ephemeral-storage"]!.GetValue<string>(), CultureInfo.InvariantCulture) > 0);
        Assert.Equal(capacity.ToJsonString(), status["allocatable"]!.ToJsonString());

        var info = status["nodeInfo"]!;
        Assert.StartsWith("containerd://", info["containerRuntimeVersion"]!.GetValue<string>());
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), info["kernelVersion"]!.GetValue<string>());
        Assert.Equal(NodeFacts.OsImage(), info["osImage"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(info["kubeletVersion"]!.GetValue<string>()));

        var addresses = status["addresses"]!.AsArray();
        Assert.Contains(addresses, a => a!["type"]!.GetValue<string>() == "InternalIP" && a["address"]!.GetValue<string>() == node.Network.NodeIp);
        Assert.Contains(addresses, a => a!["type"]!.GetValue<string>() == "Hostname" && a["address"]!.GetValue<string>() == node.NodeName);
        Assert.Equal(10250, status["daemonEndpoints"]!["kubeletEndpoint"]!["Port"]!.GetValue<int>());
        var types = status["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["DiskPressure", "MemoryPressure", "PIDPressure", "Ready"], types);
        Assert.False(string.IsNullOrEmpty(n["spec"]!["podCIDR"]?.GetValue<string>()));

        var lease = await node.KubectlJsonAsync("get", "lease", "-n", "kube-node-lease", node.NodeName);
        Assert.Equal(node.NodeName, lease["spec"]!["holderIdentity"]!.GetValue<string>());
        // The node authenticates with its own certificate, issued at join.
        Assert.True(File.Exists(Path.Combine(node.AgentDir, "credentials", "client.crt")));
    }

    [Fact]
    public async Task Deployment_pods_run_answer_with_their_names_and_a_deleted_pod_is_replaced()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(Deployment("web", 3), "apply", "-f", "-");
        var pods = await RunningPodsAsync("web", 3);
        foreach (var (name, ip) in pods)
        {
            Assert.Equal(name, await AnswerAsync(ip));
        }

        var victim = pods[0].Name;
        await node.KubectlAsync("delete", "pod", victim, "--wait=false");
        var after = await Shell.UntilAsync(async () =>
        {
            var now = await RunningPodsAsync("web", 3, wait: false);
            return now.Count == 3 && now.All(p => p.Name != victim) ? now : null;
        }, "a replacement for the deleted pod", 120, () => node.AgentOutput);
        var replacement = after.Single(p => pods.All(old => old.Name != p.Name));
        Assert.Equal(replacement.Name, await AnswerAsync(replacement.Ip));
        await node.KubectlAsync("delete", "deployment", "web");
    }

    [Fact]
    public async Task Agent_kill_9_and_restart_keeps_containers_and_restart_counts()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(Deployment("keep", 2), "apply", "-f", "-");
        await RunningPodsAsync("keep", 2);
        var before = await ContainerStatesAsync("keep");

        node.KillAgent();
        var restartedAt = DateTime.UtcNow;
        node.StartAgent();
        // Ready again with a heartbeat written by the new agent process, and its pod workers past a
        // full resync of every pod (10 s) so they had every chance to touch the containers.
        await node.WaitReadyAsync(heartbeatAfter: restartedAt);
        await Shell.UntilAsync(() => Task.FromResult(node.AgentOutput.Split('\n').Count(l => l.Contains("pod workers started", StringComparison.Ordinal)) >= 2 ? "" : null),
            "the restarted agent's pod workers", 60, () => node.AgentOutput);
        await Task.Delay(TimeSpan.FromSeconds(12));

        var after = await ContainerStatesAsync("keep");
        Assert.Equal(before, after);
        foreach (var (name, ip) in await RunningPodsAsync("keep", 2))
        {
            Assert.Equal(name, await AnswerAsync(ip));
        }
        await node.KubectlAsync("delete", "deployment", "keep");
    }

    private static string Deployment(string name, int replicas) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: { app: {{name}} }
          template:
            metadata:
              labels: { app: {{name}} }
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: http
                image: timonel.local/http:1
                imagePullPolicy: IfNotPresent
        """;

    private async Task<string?> AnswerAsync(string ip) =>
        await Shell.UntilAsync(() => node.CurlFromNodeAsync($"http://{ip}/cgi-bin/name"), $"an answer from {ip}", 30);

    /// <summary>The app's pods that are Running with an IP and not being deleted, once there are <paramref name="count"/>.</summary>
    private async Task<List<(string Name, string Ip)>> RunningPodsAsync(string app, int count, bool wait = true)
    {
        async Task<List<(string, string)>?> Probe()
        {
            var list = await node.KubectlJsonAsync("get", "pods", "-l", "app=" + app);
            var running = list["items"]!.AsArray()
                .Where(p => p!["metadata"]!["deletionTimestamp"] is null
                    && p["status"]?["phase"]?.GetValue<string>() == "Running"
                    && p["status"]?["podIP"]?.GetValue<string>() is { Length: > 0 })
                .Select(p => (p!["metadata"]!["name"]!.GetValue<string>(), p["status"]!["podIP"]!.GetValue<string>()))
                .ToList();
            return running.Count == count || !wait ? running : null;
        }
        return wait ? await Shell.UntilAsync(Probe, $"{count} running pods of {app}", 180, () => node.AgentOutput) : (await Probe())!;
    }

    /// <summary>pod name → (containerID, restartCount), sorted.</summary>
    private async Task<string> ContainerStatesAsync(string app)
    {
        var list = await node.KubectlJsonAsync("get", "pods", "-l", "app=" + app);
        return string.Join("\n", list["items"]!.AsArray()
            .Select(p => $"{p!["metadata"]!["name"]} {p["status"]!["containerStatuses"]![0]!["containerID"]} {p["status"]!["containerStatuses"]![0]!["restartCount"]}")
            .Order(StringComparer.Ordinal));
    }
}
