using k8s;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>kubectl logs and exec, and exec through KubernetesClient, via the API server's proxy to the agent endpoint and containerd.</summary>
public sealed partial class KubectlStreamingTests(ApiServerNode node) : IClassFixture<ApiServerNode>
{
    [Fact]
    public async Task Kubectl_logs_shows_the_containers_output_with_tail()
    {
        await node.RunPodAsync("logs-pod", ["sh", "-c", "echo one; echo two; echo three; sleep 3600"], "main");
        var all = await Run.UntilAsync(async () =>
        {
            var r = await node.Kubectl.RunAsync(null, "logs", "logs-pod");
            return r.ExitCode == 0 && r.Stdout.Contains("three", StringComparison.Ordinal) ? r.Stdout : null;
        }, "kubectl logs to show the output");
        Assert.Equal("one\ntwo\nthree\n", all);

        var tail = await node.Kubectl.RunAsync(null, "logs", "logs-pod", "--tail=1");
        Assert.Equal((0, "three\n"), (tail.ExitCode, tail.Stdout));
        var named = await node.Kubectl.RunAsync(null, "logs", "logs-pod", "-c", "main", "--tail=2");
        Assert.Equal((0, "two\nthree\n"), (named.ExitCode, named.Stdout));
    }

    [Fact]
    public async Task Kubectl_logs_follow_ends_when_the_container_exits()
    {
        var id = await node.RunPodAsync("follow-pod", ["sh", "-c", "echo start; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo after-go"], "main");
        using var kubectl = node.Kubectl.Start(["logs", "-f", "follow-pod"]);
        Assert.Equal("start", await kubectl.StandardOutput.ReadLineAsync());
        (await node.Containerd.Cri.ExecSyncAsync(id!, ["touch", "/tmp/go"], TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.Equal("after-go", await kubectl.StandardOutput.ReadLineAsync());
        Assert.Null(await kubectl.StandardOutput.ReadLineAsync());
        await kubectl.WaitForExitAsync();
        Assert.Equal(0, kubectl.ExitCode);
    }

    [Fact]
    public async Task KubernetesClient_follows_a_log_until_the_container_exits()
    {
        var id = await node.RunPodAsync("client-follow-pod", ["sh", "-c", "echo begin; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo end"], "main");
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(node.Server.Kubeconfig);
        using var client = new Kubernetes(config);
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync("client-follow-pod", "default", follow: true);
        using var reader = new StreamReader(stream);
        Assert.Equal("begin", await reader.ReadLineAsync());
        (await node.Containerd.Cri.ExecSyncAsync(id!, ["touch", "/tmp/go"], TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.Equal("end", await reader.ReadLineAsync());
        Assert.Null(await reader.ReadLineAsync());
    }

    [Fact]
    public async Task Kubectl_logs_errors_read_as_upstream()
    {
        await node.RunPodAsync("two-containers", null, "a", "b");
        // kubectl itself picks a default container; the API server's own answer, without one:
        using var ambiguous = await node.Admin.GetAsync("/api/v1/namespaces/default/pods/two-containers/log");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ambiguous.StatusCode);
        Assert.Contains("a container name must be specified for pod two-containers, choose one of: [a b]", await ambiguous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var waiting = await node.Kubectl.RunAsync(null, "logs", "two-containers", "-c", "a");
        Assert.NotEqual(0, waiting.ExitCode);
        Assert.Contains("container \"a\" in pod \"two-containers\" is waiting to start: ContainerCreating", waiting.Stderr, StringComparison.Ordinal);

        using var invalid = await node.Admin.GetAsync("/api/v1/namespaces/default/pods/two-containers/log?container=zzz");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("container zzz is not valid for pod two-containers", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var plainExec = await node.Admin.GetAsync("/api/v1/namespaces/default/pods/two-containers/exec?command=true&container=a&stdout=true");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, plainExec.StatusCode);
        Assert.Contains("Upgrade request required", await plainExec.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var plainAttach = await node.Admin.GetAsync("/api/v1/namespaces/default/pods/two-containers/attach?container=a&stdout=true");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, plainAttach.StatusCode);
        Assert.Contains("Upgrade request required", await plainAttach.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var plainForward = await node.Admin.GetAsync("/api/v1/namespaces/default/pods/two-containers/portforward?ports=80");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, plainForward.StatusCode);
        Assert.Contains("Upgrade request required", await plainForward.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var missing = await node.Kubectl.RunAsync(null, "logs", "no-such-pod");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("pods \"no-such-pod\" not found", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_exec_pipes_stdin_and_propagates_the_exit_code()
    {
        await node.RunPodAsync("exec-pod", ["sleep", "3600"], "main");
        var cat = await node.Kubectl.RunAsync("hi\n", "exec", "-i", "exec-pod", "--", "cat");
        Assert.Equal((0, "hi\n"), (cat.ExitCode, cat.Stdout));

        var exit = await node.Kubectl.RunAsync(null, "exec", "exec-pod", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        Assert.Equal(7, exit.ExitCode);
        Assert.Equal("out\n", exit.Stdout);
        Assert.Contains("err", exit.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_cp_copies_a_file_in_and_out_through_exec()
    {
        await node.RunPodAsync("cp-pod", ["sleep", "3600"], "main");
        var local = Path.Combine(node.Server.DataDir, "cp-source.txt");
        var content = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        await File.WriteAllTextAsync(local, content);

        var into = await node.Kubectl.RunAsync(null, "cp", local, "cp-pod:/tmp/copied.txt");
        Assert.True(into.ExitCode == 0, into.Stderr);
        var back = Path.Combine(node.Server.DataDir, "cp-back.txt");
        var outOf = await node.Kubectl.RunAsync(null, "cp", "cp-pod:/tmp/copied.txt", back);
        Assert.True(outOf.ExitCode == 0, outOf.Stderr);
        Assert.Equal(content, await File.ReadAllTextAsync(back));
    }

    [Fact]
    public async Task KubernetesClient_exec_returns_output_and_exit_code()
    {
        await node.RunPodAsync("client-exec-pod", ["sleep", "3600"], "main");
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(node.Server.Kubeconfig);
        using var client = new Kubernetes(config);
        string? stdout = null;
        var exitCode = await client.NamespacedPodExecAsync("client-exec-pod", "default", "main", ["sh", "-c", "echo from-client; exit 4"], false,
            async (_, output, _) =>
            {
                using var reader = new StreamReader(output);
                stdout = await reader.ReadToEndAsync();
            }, CancellationToken.None);
        Assert.Equal("from-client\n", stdout);
        Assert.Equal(4, exitCode);
    }
}
