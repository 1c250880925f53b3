using System.Diagnostics;
using k8s;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// kubectl logs and exec against a real agent in its network namespace: the API server proxies
/// to the agent's 10250 endpoint, which reads CRI log files and runs exec through containerd.
/// </summary>
public sealed partial class LogsAndExecTests(AgentNode node) : IClassFixture<AgentNode>
{
    private static readonly string Busybox = Timonel.Kubelet.Images.ProjectImages.Busybox;

    [Fact]
    public async Task Kubectl_logs_tail_and_follow()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(Pod("printer", "Never", "echo one; echo two; echo three; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo after-go"), "apply", "-f", "-");
        await node.KubectlAsync("wait", "--for=condition=Ready", "pod/printer", "--timeout=120s");

        var all = await Shell.UntilAsync(async () =>
        {
            var text = await node.KubectlAsync("logs", "printer");
            return text.Contains("three", StringComparison.Ordinal) ? text : null;
        }, "the pod's first lines in kubectl logs", 60, () => node.AgentOutput);
        Assert.Equal("one\ntwo\nthree\n", all);
        Assert.Equal("three\n", await node.KubectlAsync("logs", "printer", "--tail=1"));

        using var follow = StartKubectl("logs", "-f", "printer", "--tail=1");
        Assert.Equal("three", await follow.StandardOutput.ReadLineAsync());
        await node.KubectlAsync("exec", "printer", "--", "touch", "/tmp/go");
        Assert.Equal("after-go", await follow.StandardOutput.ReadLineAsync());
        // The container exits: the stream ends and so does kubectl.
        Assert.Null(await follow.StandardOutput.ReadLineAsync());
        await follow.WaitForExitAsync();
        Assert.Equal(0, follow.ExitCode);
        await node.KubectlAsync("delete", "pod", "printer", "--wait=false");
    }

    [Fact]
    public async Task Kubectl_logs_previous_after_a_restart()
    {
        await node.WaitReadyAsync();
        // An emptyDir outlives the container: the first run fails, the second stays up.
        await node.KubectlInAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: restarter
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: {{Busybox}}
                command: ["sh", "-c", "if [ -f /data/once ]; then echo second-run; sleep 3600; else touch /data/once; echo first-run; exit 1; fi"]
                volumeMounts:
                - name: data
                  mountPath: /data
              volumes:
              - name: data
                emptyDir: {}
            """, "apply", "-f", "-");
        await Shell.UntilAsync(async () =>
        {
            var pod = await node.KubectlJsonAsync("get", "pod", "restarter");
            var status = pod["status"]?["containerStatuses"]?[0];
            return status?["restartCount"]?.GetValue<int>() >= 1 && status["state"]?["running"] is not null ? pod : null;
        }, "the restarted container running", 120, () => node.AgentOutput);

        Assert.Equal("first-run\n", await node.KubectlAsync("logs", "restarter", "--previous"));
        Assert.Equal("second-run\n", await Shell.UntilAsync(async () =>
        {
            var text = await node.KubectlAsync("logs", "restarter");
            return text.Length > 0 ? text : null;
        }, "the running instance's log"));
        await node.KubectlAsync("delete", "pod", "restarter", "--wait=false");
    }

    [Fact]
    public async Task Kubectl_exec_stdin_output_and_exit_code_and_exec_through_the_client()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(Pod("shell", "Always", "sleep 3600"), "apply", "-f", "-");
        await node.KubectlAsync("wait", "--for=condition=Ready", "pod/shell", "--timeout=120s");

        Assert.Equal("hi\n", await node.KubectlInAsync("hi\n", "exec", "-i", "shell", "--", "cat"));

        var (code, stdout, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, ["exec", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 7"],
            new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig });
        Assert.Equal(7, code);
        Assert.Equal("out\n", stdout);
        Assert.Contains("err", stderr, StringComparison.Ordinal);

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(node.Server.Kubeconfig));
        string? output = null;
        var exitCode = await client.NamespacedPodExecAsync("shell", "default", "main", ["sh", "-c", "echo from-client; exit 4"], false,
            async (_, o, _) =>
            {
                using var reader = new StreamReader(o);
                output = await reader.ReadToEndAsync();
            }, CancellationToken.None);
        Assert.Equal("from-client\n", output);
        Assert.Equal(4, exitCode);
        await node.KubectlAsync("delete", "pod", "shell", "--wait=false");
    }

    private static string Pod(string name, string restartPolicy, string script) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          restartPolicy: {{restartPolicy}}
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: {{Busybox}}
            command: ["sh", "-c", {{System.Text.Json.JsonSerializer.Serialize(script)}}]
        """;

    /// <summary>A pod of the http image, Ready once its port 80 accepts; <paramref name="labels"/> as YAML flow map entries.</summary>
    private static string HttpPod(string name, string labels = "", bool declarePort = false) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          labels: { {{labels}} }
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: web
            image: {{Timonel.Kubelet.Images.ProjectImages.Http}}
            ports: {{(declarePort ? "[{containerPort: 80}]" : "[]")}}
            readinessProbe:
              tcpSocket: {port: 80}
              periodSeconds: 1
        """;

    private Process StartKubectl(params string[] args)
    {
        var info = new ProcessStartInfo(RepoPaths.Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["KUBECONFIG"] = node.Server.Kubeconfig;
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }
}
