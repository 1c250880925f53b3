using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>The supervisor's own promises: isolation from other containerds, restart on death, clean stop.</summary>
public sealed class ContainerdSupervisorTests(ContainerdNode node) : IClassFixture<ContainerdNode>
{
    [Fact]
    public async Task Containerd_runs_in_the_node_namespace_with_the_project_config()
    {
        var status = (await node.Cri.StatusAsync(verbose: true)).GetValueOrThrow();
        Assert.Contains(status.Status.Conditions, c => c.Type == "RuntimeReady" && c.Status);
        Assert.Contains(status.Status.Conditions, c => c.Type == "NetworkReady" && c.Status);
        var config = status.Info["config"];
        Assert.Contains("\"sandboxImage\":\"timonel.local/pause:3.10\"", config, StringComparison.Ordinal);
        Assert.Contains("\"restrictOOMScoreAdj\":true", config, StringComparison.Ordinal);

        var pid = node.Supervisor.Pid!.Value;
        var ownNet = File.ResolveLinkTarget($"/proc/{pid}/ns/net", returnFinalTarget: false)!.FullName;
        var hostNet = File.ResolveLinkTarget("/proc/self/ns/net", returnFinalTarget: false)!.FullName;
        Assert.NotEqual(hostNet, ownNet);
        Assert.True(File.Exists(node.Supervisor.Paths.Log));
    }

    [Fact]
    public async Task A_killed_containerd_is_restarted_and_its_pod_keeps_running()
    {
        var sandbox = PodSpecs.Sandbox(node, "survivor");
        var podId = (await node.Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var id = (await node.Cri.CreateContainerAsync(podId, PodSpecs.Container("sleeper", ProjectImages.Busybox, "sleep", "3600"), sandbox)).GetValueOrThrow();
        (await node.Cri.StartContainerAsync(id)).GetValueOrThrow();
        var before = node.Supervisor.Restarts;
        var pid = node.Supervisor.Pid!.Value;

        System.Diagnostics.Process.GetProcessById(pid).Kill();

        await Run.UntilAsync(async () =>
            node.Supervisor.Restarts > before && (await node.Cri.VersionAsync()).IsSuccess ? "ready" : null,
            "containerd to be restarted");
        Assert.NotEqual(pid, node.Supervisor.Pid);
        var status = (await node.Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status;
        Assert.Equal(ContainerState.ContainerRunning, status.State);
        var exec = (await node.Cri.ExecSyncAsync(id, ["echo", "still here"], TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.Equal("still here\n", exec.StdoutText);
    }

    [Fact]
    public async Task A_runtime_that_is_not_there_is_an_unavailable_value()
    {
        using var client = CriClient.ForUnixSocket(Path.Combine(node.DataDir, "nobody-listens.sock"));
        var version = await client.VersionAsync();
        Assert.False(version.IsSuccess);
        Assert.Equal(CriErrorKind.RuntimeUnavailable, version.Error.Kind);
    }

    [Fact]
    public async Task Config_keeps_every_socket_and_directory_under_the_data_dir()
    {
        var toml = await File.ReadAllTextAsync(node.Supervisor.Paths.Config);
        foreach (var line in toml.Split('\n').Where(l => l.Contains("= \"/", StringComparison.Ordinal)))
        {
            var value = line[(line.IndexOf('"', StringComparison.Ordinal) + 1)..line.LastIndexOf('"')];
            Assert.True(value.StartsWith(node.DataDir + "/", StringComparison.Ordinal) || value == "/usr/lib/cni", line);
        }
        Assert.True(File.Exists(node.Supervisor.Paths.Socket + ".ttrpc"));
    }
}
