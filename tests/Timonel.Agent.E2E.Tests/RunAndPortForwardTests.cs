using System.Diagnostics;
using System.Text.RegularExpressions;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// `kubectl run -i --rm` (create, wait, attach with stdin, delete) and `kubectl port-forward`
/// against the real agent: the pod worker gives the container its stdin, the agent bridges
/// attach and port-forward to containerd's streaming server inside the node's namespace.
/// </summary>
public sealed partial class LogsAndExecTests
{
    [Fact]
    public async Task Kubectl_run_rm_i_feeds_stdin_to_the_new_pod_shows_its_output_and_deletes_it()
    {
        await node.WaitReadyAsync();
        // The shell echoes what it read: without the pod's stdin (spec stdin/stdinOnce through CRI)
        // and the attach, `read` would see EOF and print "got-".
        var output = await node.KubectlInAsync("hello\n", "run", "runner", "--rm", "-i", "--restart=Never", "--image=" + Busybox,
            "--", "sh", "-c", "read line; echo got-$line");
        Assert.Contains("got-hello\n", output, StringComparison.Ordinal);

        var (code, _, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "pod", "runner"], new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig });
        Assert.NotEqual(0, code);
        Assert.Contains("pods \"runner\" not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_run_it_rm_gives_an_interactive_shell_and_deletes_the_pod()
    {
        await node.WaitReadyAsync();
        // -t needs a terminal on kubectl's side: `script` gives it one and types our input into it.
        var command = $"'{RepoPaths.Kubectl}' run shell-session -it --rm --restart=Never --image={Busybox} -- sh";
        var (code, stdout, stderr) = await Shell.RunAsync("script", ["-qec", command, "/dev/null"],
            new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig }, "echo interactive-$((6*7)); exit\n");
        Assert.True(code == 0, stderr + stdout);
        // Only the shell computes 42: the terminal's echo of the input says $((6*7)).
        Assert.Contains("interactive-42", stdout, StringComparison.Ordinal);
        Assert.Contains("pod \"shell-session\" deleted", stdout, StringComparison.Ordinal);
        var after = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "pod", "shell-session"], new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig });
        Assert.Contains("pods \"shell-session\" not found", after.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_port_forward_reaches_the_pods_http_server()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(HttpPod("forwarded"), "apply", "-f", "-");
        await node.KubectlAsync("wait", "--for=condition=Ready", "pod/forwarded", "--timeout=120s");

        var info = new ProcessStartInfo(RepoPaths.Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["KUBECONFIG"] = node.Server.Kubeconfig;
        foreach (var a in new[] { "port-forward", "pod/forwarded", ":80" }) info.ArgumentList.Add(a);
        using var forward = Process.Start(info)!;
        var stderr = forward.StandardError.ReadToEndAsync();
        try
        {
            int? local = null;
            while (local is null)
            {
                var line = await forward.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("kubectl port-forward ended: " + await stderr);
                var match = Regex.Match(line, @"^Forwarding from 127\.0\.0\.1:(\d+) -> 80$");
                if (match.Success) local = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            Assert.Equal("forwarded\n", await http.GetStringAsync($"http://127.0.0.1:{local}/"));
        }
        finally
        {
            if (!forward.HasExited) forward.Kill();
            await forward.WaitForExitAsync();
            await node.KubectlAsync("delete", "pod", "forwarded", "--wait=false");
        }
    }
}
