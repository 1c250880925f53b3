using System.Text.RegularExpressions;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>Pods and containers through CriClient on a real containerd + runc, with the project's images.</summary>
public sealed partial class CriPodLifecycleTests(ContainerdNode node) : IClassFixture<ContainerdNode>
{
    private CriClient Cri => node.Cri;

    [Fact]
    public async Task Sandbox_runs_the_project_pause_image_with_an_address_from_the_node_bridge()
    {
        var config = PodSpecs.Sandbox(node, "pause-check");
        var id = (await Cri.RunPodSandboxAsync(config)).GetValueOrThrow();

        var status = (await Cri.PodSandboxStatusAsync(id)).GetValueOrThrow().Status;
        Assert.Equal(PodSandboxState.SandboxReady, status.State);
        Assert.StartsWith(ContainerdNode.PodSubnetPrefix, status.Network.Ip, StringComparison.Ordinal);

        // The pod's PID 1 is our static pause binary, in the cgroup the kubelet asked for. Right
        // after `runc start` returns it may still be "runc init" for a moment, before its execve.
        await Run.UntilAsync(() => Task.FromResult(CgroupPids(config.Linux.CgroupParent)
            .Select(pid => File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0'))
            .FirstOrDefault(command => command == "/pause")), "the pause process in the pod cgroup");

        // And it answers on its address inside the node's namespace: the bridge reaches it.
        var ping = await Run.CommandAsync("nsenter", $"--net=/var/run/netns/{node.Netns}", "/bin/busybox", "ping", "-c", "1", "-W", "5", status.Network.Ip);
        Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);
    }

    [Fact]
    public async Task Busybox_container_output_lands_in_its_cri_log_file()
    {
        var sandbox = PodSpecs.Sandbox(node, "logs");
        var podId = (await Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var container = PodSpecs.Container("echo", ProjectImages.Busybox, "sh", "-c", "echo hello from $HOSTNAME; echo oops >&2");
        var id = (await Cri.CreateContainerAsync(podId, container, sandbox)).GetValueOrThrow();
        (await Cri.StartContainerAsync(id)).GetValueOrThrow();

        var exited = await Run.UntilAsync(async () =>
        {
            var s = (await Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status;
            return s.State == ContainerState.ContainerExited ? s : null;
        }, "the echo container to exit");
        Assert.Equal(0, exited.ExitCode);
        var logPath = Path.Combine(sandbox.LogDirectory, container.LogPath);
        Assert.Equal(logPath, exited.LogPath);

        // CRI log format: RFC 3339 time, stream, F (full line) or P (partial), the line.
        var lines = await File.ReadAllLinesAsync(logPath);
        Assert.Contains(lines, l => CriLogLine().Match(l) is { Success: true } m && m.Groups[1].Value == "stdout" && m.Groups[2].Value == "hello from logs");
        Assert.Contains(lines, l => CriLogLine().Match(l) is { Success: true } m && m.Groups[1].Value == "stderr" && m.Groups[2].Value == "oops");
    }

    [Fact]
    public async Task ExecSync_returns_stdout_stderr_and_the_exit_code()
    {
        var (_, id) = await RunningBusyboxAsync("exec");
        var result = (await Cri.ExecSyncAsync(id, ["sh", "-c", "echo out-$((6*7)); echo err >&2; exit 3"], TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.Equal("out-42\n", result.StdoutText);
        Assert.Equal("err\n", result.StderrText);
        Assert.Equal(3, result.ExitCode);

        var url = (await Cri.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "true" }, Stdout = true })).GetValueOrThrow();
        Assert.Equal("127.0.0.1", url.Host);
    }

    [Fact]
    public async Task Memory_limit_becomes_the_container_cgroup_limit()
    {
        const long limit = 48L * 1024 * 1024;
        var sandbox = PodSpecs.Sandbox(node, "memory");
        var podId = (await Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var container = PodSpecs.Container("limited", ProjectImages.Busybox, "sleep", "3600");
        container.Linux.Resources.MemoryLimitInBytes = limit;
        var id = (await Cri.CreateContainerAsync(podId, container, sandbox)).GetValueOrThrow();
        (await Cri.StartContainerAsync(id)).GetValueOrThrow();

        var hostSide = await File.ReadAllTextAsync($"/sys/fs/cgroup/memory{sandbox.Linux.CgroupParent}/{id}/memory.limit_in_bytes");
        Assert.Equal(limit, long.Parse(hostSide.Trim(), System.Globalization.CultureInfo.InvariantCulture));
        var seenInside = (await Cri.ExecSyncAsync(id, ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"], TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.Equal(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), seenInside.StdoutText.Trim());
    }

    [Fact]
    public async Task Stop_and_remove_leave_no_task_no_process_and_no_container()
    {
        var (podId, id) = await RunningBusyboxAsync("stopper");
        (await Cri.StopContainerAsync(id, TimeSpan.FromSeconds(2))).GetValueOrThrow();
        Assert.Equal(ContainerState.ContainerExited, (await Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status.State);
        (await Cri.RemoveContainerAsync(id)).GetValueOrThrow();
        var gone = await Cri.ContainerStatusAsync(id);
        Assert.Equal(CriErrorKind.NotFound, gone.Error?.Kind);

        (await Cri.StopPodSandboxAsync(podId)).GetValueOrThrow();
        (await Cri.RemovePodSandboxAsync(podId)).GetValueOrThrow();
        var sandboxes = (await Cri.ListPodSandboxAsync(new PodSandboxFilter { Id = podId })).GetValueOrThrow();
        Assert.Empty(sandboxes);

        var tasks = await Run.CheckedAsync("ctr", "--address", node.Supervisor.Paths.Socket, "-n", "k8s.io", "tasks", "ls", "-q");
        Assert.DoesNotContain(id, tasks, StringComparison.Ordinal);
        Assert.DoesNotContain(podId, tasks, StringComparison.Ordinal);
        var containers = await Run.CheckedAsync("ctr", "--address", node.Supervisor.Paths.Socket, "-n", "k8s.io", "containers", "ls", "-q");
        Assert.DoesNotContain(id, containers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_image_answers_with_its_pod_name_on_the_pod_address()
    {
        var sandbox = PodSpecs.Sandbox(node, "web");
        var podId = (await Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var container = PodSpecs.Container("http", ProjectImages.Http);
        container.Envs.Add(new KeyValue { Key = "POD_NAME", Value = "web-7d9f" });
        var id = (await Cri.CreateContainerAsync(podId, container, sandbox)).GetValueOrThrow();
        (await Cri.StartContainerAsync(id)).GetValueOrThrow();
        var ip = (await Cri.PodSandboxStatusAsync(podId)).GetValueOrThrow().Status.Network.Ip;

        var lastTry = "";
        var page = await Run.UntilAsync(async () =>
        {
            var get = await Run.CommandAsync("nsenter", $"--net=/var/run/netns/{node.Netns}", "curl", "-sS", "-m", "2", $"http://{ip}/");
            lastTry = $"exit {get.ExitCode}, stdout {get.Stdout}, stderr {get.Stderr}";
            return get.ExitCode == 0 ? get.Stdout : null;
        }, $"the http pod to answer ({Path.Combine(sandbox.LogDirectory, container.LogPath)})", onTimeout: async () =>
            $"wget: {lastTry}; container: {(await Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status}; log: " +
            await File.ReadAllTextAsync(Path.Combine(sandbox.LogDirectory, container.LogPath)));
        Assert.Equal("web-7d9f\n", page);
        var cgi = await Run.CheckedAsync("nsenter", $"--net=/var/run/netns/{node.Netns}", "curl", "-sS", "-m", "2", $"http://{ip}/cgi-bin/name");
        Assert.Equal("web-7d9f\n", cgi);
    }

    [Fact]
    public async Task Images_are_listed_and_a_missing_image_is_a_value_not_an_exception()
    {
        var images = (await Cri.ListImagesAsync()).GetValueOrThrow();
        var tags = images.SelectMany(i => i.RepoTags).ToList();
        Assert.Contains(ProjectImages.Pause, tags);
        Assert.Contains(ProjectImages.Busybox, tags);
        Assert.Contains(ProjectImages.Http, tags);

        var busybox = (await Cri.ImageStatusAsync(ProjectImages.Busybox)).GetValueOrThrow();
        Assert.StartsWith("sha256:", busybox.Id, StringComparison.Ordinal);
        var missing = await Cri.ImageStatusAsync("timonel.local/absent:1");
        Assert.Equal(CriErrorKind.ImageNotFound, missing.Error?.Kind);
        var fs = (await Cri.ImageFsInfoAsync()).GetValueOrThrow();
        Assert.NotEmpty(fs.ImageFilesystems);
    }

    private async Task<(string PodId, string ContainerId)> RunningBusyboxAsync(string name)
    {
        var sandbox = PodSpecs.Sandbox(node, name);
        var podId = (await Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var id = (await Cri.CreateContainerAsync(podId, PodSpecs.Container(name, ProjectImages.Busybox, "sleep", "3600"), sandbox)).GetValueOrThrow();
        (await Cri.StartContainerAsync(id)).GetValueOrThrow();
        return (podId, id);
    }

    private static List<int> CgroupPids(string cgroupParent)
    {
        var root = $"/sys/fs/cgroup/pids{cgroupParent}";
        return Directory.EnumerateFiles(root, "cgroup.procs", SearchOption.AllDirectories)
            .SelectMany(File.ReadAllLines)
            .Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\S+ (stdout|stderr) F (.*)$")]
    private static partial Regex CriLogLine();
}
