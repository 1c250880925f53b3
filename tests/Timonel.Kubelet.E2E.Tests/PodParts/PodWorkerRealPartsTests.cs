using System.Text;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests.PodParts;

/// <summary>
/// Pods created through the API, run by <see cref="Pods.PodWorkers"/> with the real environment,
/// volumes and runtime settings: what the container sees is read with CRI ExecSync, what the
/// kubelet reports is read from the pod's status.
/// </summary>
public sealed class PodWorkerRealPartsTests(RealPartsWorkerNode fixture) : IClassFixture<RealPartsWorkerNode>
{
    private const string Ns = "default";
    private ApiConnection Api => fixture.Api;

    [Fact]
    public async Task Env_and_volumes_reach_the_container_and_a_configmap_update_reaches_the_file()
    {
        (await Api.CreateAsync(new V1ConfigMap { Metadata = new() { Name = "pw-config", NamespaceProperty = Ns },
            Data = new Dictionary<string, string> { ["MODE"] = "prod", ["color"] = "blue" } })).Require();
        (await Api.CreateAsync(new V1Secret { Metadata = new() { Name = "pw-secret", NamespaceProperty = Ns },
            Data = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes("t0ken") } })).Require();
        var backend = (await Api.CreateAsync(new V1Service { Metadata = new() { Name = "pw-backend", NamespaceProperty = Ns },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 8080 }], Selector = new Dictionary<string, string> { ["app"] = "none" } } })).Require();
        var container = Busybox("app", ["sleep", "3600"]);
        container.Env =
        [
            new V1EnvVar { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "pw-config", Key = "MODE" } } },
            new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "pw-secret", Key = "token" } } },
            new V1EnvVar { Name = "MY_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "MY_NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
            new V1EnvVar { Name = "MY_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
            new V1EnvVar { Name = "SUMMARY", Value = "$(MY_NAME)@$(MY_NODE):$(MODE)" },
        ];
        container.VolumeMounts =
        [
            new V1VolumeMount { Name = "cfg", MountPath = "/etc/cfg" },
            new V1VolumeMount { Name = "sec", MountPath = "/etc/sec" },
            new V1VolumeMount { Name = "info", MountPath = "/etc/info" },
        ];
        var spec = Pod("pw-envvol", container);
        spec.Metadata.Labels = new Dictionary<string, string> { ["app"] = "pw", ["rev"] = "1" };
        spec.Spec.Volumes =
        [
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "pw-config" } },
            new V1Volume { Name = "sec", Secret = new V1SecretVolumeSource { SecretName = "pw-secret" } },
            new V1Volume { Name = "info", DownwardAPI = new V1DownwardAPIVolumeSource { Items =
            [
                new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } },
                new V1DownwardAPIVolumeFile { Path = "uid", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.uid" } },
            ] } },
        ];
        var pod = await CreateAsync(spec);
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running", "Running");
        var id = ContainerId(running, "app");

        var env = (await ExecAsync(id, "env")).Split('\n').Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("prod", env["MODE"]);
        Assert.Equal("t0ken", env["TOKEN"]);
        Assert.Equal(running.Status.PodIP, env["MY_IP"]);
        Assert.Equal($"pw-envvol@{fixture.NodeName}:prod", env["SUMMARY"]);
        // Service links: the Service's cluster IP as the API server allocated it.
        Assert.False(string.IsNullOrEmpty(backend.Spec.ClusterIP));
        Assert.Equal(backend.Spec.ClusterIP, env["PW_BACKEND_SERVICE_HOST"]);
        Assert.Equal("8080", env["PW_BACKEND_SERVICE_PORT_HTTP"]);
        Assert.Equal($"tcp://{backend.Spec.ClusterIP}:8080", env["PW_BACKEND_PORT"]);
        Assert.Equal("blue", await ExecAsync(id, "cat", "/etc/cfg/color"));
        Assert.Equal("t0ken", await ExecAsync(id, "cat", "/etc/sec/token"));
        Assert.Equal("app=\"pw\"\nrev=\"1\"", await ExecAsync(id, "cat", "/etc/info/labels"));
        Assert.Equal(pod.Metadata.Uid, await ExecAsync(id, "cat", "/etc/info/uid"));

        var cm = (await Api.GetAsync<V1ConfigMap>(Ns, "pw-config")).Require();
        cm.Data["color"] = "green";
        (await Api.UpdateAsync(cm)).Require();
        await Run.UntilAsync(async () => await ExecAsync(id, "cat", "/etc/cfg/color") == "green" ? "" : null,
            "the ConfigMap update to reach the mounted file");
        var after = (await Api.GetAsync<V1Pod>(Ns, pod.Metadata.Name)).Require();
        Assert.Equal(0, after.Status.ContainerStatuses.Single().RestartCount);
        Assert.Equal(id, ContainerId(after, "app"));

        await DeleteAndWaitGoneAsync(pod);
        Assert.False(Directory.Exists(Path.Combine(fixture.PodsDir, pod.Metadata.Uid)));
    }

    [Fact]
    public async Task A_missing_configmap_is_CreateContainerConfigError_and_a_missing_volume_source_keeps_the_pod_creating()
    {
        var envPodSpec = Pod("pw-noenv", Busybox("app", ["sleep", "3600"]));
        envPodSpec.Spec.Containers[0].Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "absent", Key = "k" } } }];
        var envPod = await CreateAsync(envPodSpec);
        var waiting = await WaitPodAsync(envPod, p => State(p, "app")?.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal("configmap \"absent\" not found", State(waiting, "app")!.Waiting.Message);

        var volPodSpec = Pod("pw-novol", Busybox("app", ["sleep", "3600"]));
        volPodSpec.Spec.Volumes = [new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = "absent" } }];
        volPodSpec.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "s", MountPath = "/s" }];
        var volPod = await CreateAsync(volPodSpec);
        var events = await Run.UntilAsync(async () =>
        {
            var list = (await Api.ListAsync<Corev1Event>(Ns, new ListOptions { FieldSelector = "involvedObject.name=pw-novol" })).Require().Items;
            return list.FirstOrDefault(e => e.Reason == "FailedMount");
        }, "a FailedMount event");
        Assert.Equal("MountVolume.SetUp failed for volume \"s\" : secret \"absent\" not found", events.Message);
        var pending = (await Api.GetAsync<V1Pod>(Ns, "pw-novol")).Require();
        Assert.NotEqual("Running", pending.Status?.Phase);

        // Creating the Secret lets the next sync set the volume up and start the container.
        (await Api.CreateAsync(new V1Secret { Metadata = new() { Name = "absent", NamespaceProperty = Ns },
            Data = new Dictionary<string, byte[]> { ["k"] = Encoding.UTF8.GetBytes("v") } })).Require();
        var started = await WaitPodAsync(volPod, p => p.Status?.Phase == "Running", "Running once the Secret exists");
        Assert.Equal("v", await ExecAsync(ContainerId(started, "app"), "cat", "/s/k"));

        await DeleteAndWaitGoneAsync(envPod);
        await DeleteAndWaitGoneAsync(volPod);
    }

    [Fact]
    public async Task RunAsUser_is_the_process_uid_and_a_memory_hog_is_OOMKilled()
    {
        var idSpec = Pod("pw-uid", Busybox("app", ["sleep", "3600"]));
        idSpec.Spec.SecurityContext = new V1PodSecurityContext { RunAsUser = 4321, RunAsGroup = 1234 };
        var idPod = await CreateAsync(idSpec);
        var running = await WaitPodAsync(idPod, p => p.Status?.Phase == "Running", "Running");
        Assert.Equal("4321\n1234\n", await ExecAsync(ContainerId(running, "app"), "sh", "-c", "id -u; id -g"));

        // busybox tail keeps the current line in memory; /dev/zero has no newline.
        var hog = Busybox("hog", ["tail", "/dev/zero"]);
        hog.Resources = new V1ResourceRequirements
        {
            Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("32Mi"), ["cpu"] = new("250m") },
        };
        var hogSpec = Pod("pw-hog", hog);
        hogSpec.Spec.RestartPolicy = "Never";
        var hogPod = await CreateAsync(hogSpec);
        var failed = await WaitPodAsync(hogPod, p => p.Status?.Phase == "Failed", "Failed");
        var terminated = failed.Status.ContainerStatuses.Single().State.Terminated;
        Assert.Equal("OOMKilled", terminated.Reason);
        Assert.Equal(137, terminated.ExitCode);
        Assert.Equal("Guaranteed", failed.Status.QosClass);

        await DeleteAndWaitGoneAsync(idPod);
        await DeleteAndWaitGoneAsync(hogPod);
    }

    [Fact]
    public async Task RunAsNonRoot_with_a_root_image_is_CreateContainerConfigError_and_a_lone_runAsGroup_runs()
    {
        var rootSpec = Pod("pw-nonroot", Busybox("app", ["sleep", "3600"]));
        rootSpec.Spec.SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true };
        var rootPod = await CreateAsync(rootSpec);
        var waiting = await WaitPodAsync(rootPod, p => State(p, "app")?.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal($"container has runAsNonRoot and image will run as root (pod: \"pw-nonroot_{Ns}({rootPod.Metadata.Uid})\", container: app)",
            State(waiting, "app")!.Waiting.Message);

        // The busybox image names no user: the group comes with the image's user, root.
        var groupSpec = Pod("pw-group", Busybox("app", ["sleep", "3600"]));
        groupSpec.Spec.Containers[0].SecurityContext = new V1SecurityContext { RunAsGroup = 2345 };
        var groupPod = await CreateAsync(groupSpec);
        var running = await WaitPodAsync(groupPod, p => p.Status?.Phase == "Running", "Running");
        Assert.Equal("0\n2345\n", await ExecAsync(ContainerId(running, "app"), "sh", "-c", "id -u; id -g"));

        await DeleteAndWaitGoneAsync(rootPod);
        await DeleteAndWaitGoneAsync(groupPod);
    }

    [Fact]
    public async Task Etc_hosts_names_the_pod_and_its_aliases_and_termination_messages_reach_the_status()
    {
        var hostsSpec = Pod("pw-hosts", Busybox("app", ["sleep", "3600"]));
        hostsSpec.Spec.Hostname = "h1";
        hostsSpec.Spec.Subdomain = "sub";
        hostsSpec.Spec.HostAliases = [new V1HostAlias { Ip = "192.0.2.10", Hostnames = ["alias.test"] }];
        var hostsPod = await CreateAsync(hostsSpec);
        var running = await WaitPodAsync(hostsPod, p => p.Status?.Phase == "Running", "Running");
        var hosts = (await ExecAsync(ContainerId(running, "app"), "cat", "/etc/hosts")).Split('\n');
        Assert.Contains($"{running.Status.PodIP}\th1.sub.{Ns}.svc.cluster.local\th1", hosts);
        Assert.Contains("192.0.2.10\talias.test", hosts);
        Assert.Contains("127.0.0.1\tlocalhost", hosts);

        // A user other than root writes the default path; a failing container with an empty file
        // and FallbackToLogsOnError reports its log's tail.
        var writer = Busybox("writer", ["sh", "-c", "printf 'bye from writer' > /dev/termination-log; exit 3"]);
        writer.SecurityContext = new V1SecurityContext { RunAsUser = 1000 };
        var custom = Busybox("custom", ["sh", "-c", "echo custom-path > /tmp/why"]);
        custom.TerminationMessagePath = "/tmp/why";
        var logger = Busybox("logger", ["sh", "-c", "echo first; echo last words; exit 2"]);
        logger.TerminationMessagePolicy = "FallbackToLogsOnError";
        var termSpec = Pod("pw-term", writer);
        termSpec.Spec.Containers.Add(custom);
        termSpec.Spec.Containers.Add(logger);
        termSpec.Spec.RestartPolicy = "Never";
        var termPod = await CreateAsync(termSpec);
        var failed = await WaitPodAsync(termPod, p => p.Status?.Phase == "Failed"
            && p.Status.ContainerStatuses.All(c => c.State?.Terminated is not null), "Failed with every container terminated");
        V1ContainerStateTerminated Term(string name) => failed.Status.ContainerStatuses.Single(c => c.Name == name).State.Terminated;
        Assert.Equal("bye from writer", Term("writer").Message);
        Assert.Equal(3, Term("writer").ExitCode);
        Assert.Equal("custom-path\n", Term("custom").Message);
        Assert.Equal("first\nlast words\n", Term("logger").Message);

        await DeleteAndWaitGoneAsync(hostsPod);
        await DeleteAndWaitGoneAsync(termPod);
    }

    [Fact]
    public async Task A_projected_service_account_token_authenticates_as_the_pods_service_account()
    {
        (await Api.CreateAsync(new V1ServiceAccount { Metadata = new() { Name = "pw-robot", NamespaceProperty = Ns } })).Require();
        var app = Busybox("app", ["sleep", "3600"]);
        app.VolumeMounts = [new V1VolumeMount { Name = "tok", MountPath = "/var/run/secrets/tokens" }];
        var spec = Pod("pw-token", app);
        spec.Spec.ServiceAccountName = "pw-robot";
        // This server runs no controllers, so no kube-root-ca.crt for the automatic API volume: only the explicit one.
        spec.Spec.AutomountServiceAccountToken = false;
        spec.Spec.Volumes = [new V1Volume { Name = "tok", Projected = new V1ProjectedVolumeSource { Sources =
            [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3600 } }] } }];
        var pod = await CreateAsync(spec);
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running", "Running");
        var token = await ExecAsync(ContainerId(running, "app"), "cat", "/var/run/secrets/tokens/token");
        Assert.False(string.IsNullOrEmpty(token));

        using var client = fixture.Server.AdminClient(withToken: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var response = await client.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", new StringContent(
            "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var review = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal($"system:serviceaccount:{Ns}:pw-robot",
            review.RootElement.GetProperty("status").GetProperty("userInfo").GetProperty("username").GetString());

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task HostPath_is_created_and_shared_and_a_memory_emptyDir_counts_against_the_memory_limit()
    {
        var hostDir = Path.Combine(fixture.Node.DataDir, "host-data", "new");
        var app = Busybox("app", ["sh", "-c", "echo written-by-pod > /host/out; sleep 3600"]);
        app.VolumeMounts = [new V1VolumeMount { Name = "host", MountPath = "/host" }, new V1VolumeMount { Name = "cache", MountPath = "/cache" }];
        var spec = Pod("pw-host", app);
        spec.Spec.Volumes =
        [
            new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = hostDir, Type = "DirectoryOrCreate" } },
            new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("16Mi") } },
        ];
        Directory.CreateDirectory(Path.GetDirectoryName(hostDir)!);
        var pod = await CreateAsync(spec);
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running", "Running");
        await Run.UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(hostDir, "out")) ? "" : null), "the pod's file on the host");
        Assert.Equal("written-by-pod\n", await File.ReadAllTextAsync(Path.Combine(hostDir, "out")));
        var cacheMount = (await ExecAsync(ContainerId(running, "app"), "grep", " /cache ", "/proc/mounts")).Split(' ');
        Assert.Equal("tmpfs", cacheMount[2]);
        Assert.Contains("size=16384k", cacheMount[3].Split(','));

        // Pages written to a memory-backed emptyDir are charged to the writer's cgroup.
        var filler = Busybox("fill", ["dd", "if=/dev/zero", "of=/cache/fill", "bs=1M", "count=100"]);
        filler.VolumeMounts = [new V1VolumeMount { Name = "cache", MountPath = "/cache" }];
        filler.Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("32Mi") } };
        var fillSpec = Pod("pw-fill", filler);
        fillSpec.Spec.RestartPolicy = "Never";
        fillSpec.Spec.Volumes = [new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("128Mi") } }];
        var fill = await CreateAsync(fillSpec);
        var failed = await WaitPodAsync(fill, p => p.Status?.Phase == "Failed", "Failed");
        Assert.Equal("OOMKilled", failed.Status.ContainerStatuses.Single().State.Terminated.Reason);

        await DeleteAndWaitGoneAsync(pod);
        await DeleteAndWaitGoneAsync(fill);
        // hostPath sources outlive the pod.
        Assert.True(File.Exists(Path.Combine(hostDir, "out")));
    }

    private static V1Pod Pod(string name, V1Container container) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Spec = new V1PodSpec { Containers = [container], TerminationGracePeriodSeconds = 2 },
    };

    private static V1Container Busybox(string name, List<string> command) =>
        new() { Name = name, Image = ProjectImages.Busybox, ImagePullPolicy = "Never", Command = command };

    private async Task<V1Pod> CreateAsync(V1Pod pod)
    {
        pod.Spec.NodeName = fixture.NodeName;
        return (await Api.CreateAsync(pod)).Require();
    }

    private static V1ContainerState? State(V1Pod pod, string container) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == container)?.State;

    private static string ContainerId(V1Pod pod, string container) =>
        pod.Status.ContainerStatuses.Single(c => c.Name == container).ContainerID["containerd://".Length..];

    private async Task<string> ExecAsync(string id, params string[] command)
    {
        var result = (await fixture.Node.Cri.ExecSyncAsync(id, command, TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: exit {result.ExitCode}: {result.StderrText}");
        return result.StdoutText;
    }

    private async Task<V1Pod> WaitPodAsync(V1Pod pod, Func<V1Pod, bool> condition, string what, int seconds = 60)
    {
        V1Pod? last = null;
        return await Run.UntilAsync(async () =>
        {
            var got = await Api.GetAsync<V1Pod>(Ns, pod.Metadata.Name);
            last = got.Value;
            return got.Ok && got.Value!.Metadata.Uid == pod.Metadata.Uid && condition(got.Value) ? got.Value : null;
        }, $"{pod.Metadata.Name}: {what}", seconds, () => Task.FromResult(
            $"last status: {(last?.Status is null ? "none" : k8s.KubernetesJson.Serialize(last.Status))}"));
    }

    private async Task DeleteAndWaitGoneAsync(V1Pod pod)
    {
        var deleted = await Api.DeleteAsync<V1Pod>(Ns, pod.Metadata.Name);
        Assert.True(deleted.Ok || deleted.IsNotFound, deleted.ToString());
        await Run.UntilAsync(async () => (await Api.GetAsync<V1Pod>(Ns, pod.Metadata.Name)).IsNotFound ? "" : null,
            $"{pod.Metadata.Name} to be deleted", 60);
    }
}
