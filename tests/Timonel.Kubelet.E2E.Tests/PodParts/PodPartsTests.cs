using System.Text;
using k8s.Models;
using Timonel.Kubelet.Containers;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.E2E.Tests.PodParts;

/// <summary>
/// The pod parts on real components: ConfigMaps and Secrets in a real API server, read through
/// <see cref="ApiObjectSource"/>; env, volumes and Linux settings turned into CRI calls the way the
/// pod worker makes them; what the container sees checked with CRI ExecSync.
/// </summary>
public sealed class PodPartsTests(PodPartsNode fixture) : IClassFixture<PodPartsNode>
{
    private const string Ns = "default";
    private static readonly TimeSpan ExecTimeout = TimeSpan.FromSeconds(30);

    private readonly ApiObjectSource _objects = new(fixture.Api);
    private readonly ContainerRuntimeSettings _settings = new();
    private ContainerdNode Node => fixture.Node;

    private PodVolumes NewVolumes() =>
        new(new PodVolumesOptions(Path.Combine(Node.DataDir, "agent", "pods")), _objects, TimeProvider.System, _objects, new ContainerEnvironmentBuilder(_objects));

    private static readonly IReadOnlyDictionary<string, ResourceQuantity> Allocatable =
        new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("4Gi"), ["ephemeral-storage"] = new("20Gi") };

    private static V1Pod Pod(string name, V1Container container, params V1Volume[] volumes) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = Ns,
            Uid = Guid.NewGuid().ToString(),
            Labels = new Dictionary<string, string> { ["app"] = name, ["track"] = "e2e" },
        },
        Spec = new V1PodSpec { NodeName = "node-e2e", ServiceAccountName = "default", Containers = [container], Volumes = volumes.ToList() },
    };

    /// <summary>What the pod worker does for one container: volumes, env, sandbox and container configs, start.</summary>
    private async Task<(string ContainerId, PodContext Context, PodVolumes Volumes)> StartAsync(V1Pod pod, bool waitRunning = true)
    {
        var name = pod.Metadata.Name;
        var uid = pod.Metadata.Uid;
        var logDirectory = Path.Combine(Node.PodLogRoot, $"{Ns}_{name}_{uid}");
        Directory.CreateDirectory(logDirectory);
        var preliminary = new PodContext(pod, "node-e2e", "10.0.0.1", null, Allocatable);
        var sandboxConfig = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = Ns, Uid = uid },
            Hostname = name,
            LogDirectory = logDirectory,
            Linux = _settings.ForSandbox(preliminary, $"{Node.CgroupParent}/pod{uid}"),
        };
        var podId = (await Node.Cri.RunPodSandboxAsync(sandboxConfig)).GetValueOrThrow();
        var podIp = (await Node.Cri.PodSandboxStatusAsync(podId)).GetValueOrThrow().Status.Network.Ip;
        var ctx = preliminary with { PodIp = podIp };

        var volumes = NewVolumes();
        var setup = await volumes.SetUpAsync(ctx, CancellationToken.None);
        Assert.True(setup.Error is null, setup.Error);
        var container = pod.Spec.Containers[0];
        var env = await new ContainerEnvironmentBuilder(_objects).BuildAsync(ctx, container, CancellationToken.None);
        Assert.Null(env.Error);

        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name },
            Image = new ImageSpec { Image = container.Image },
            LogPath = $"{container.Name}/0.log",
            Linux = _settings.ForContainer(ctx, container),
        };
        config.Command.AddRange(container.Command ?? []);
        config.Envs.AddRange(env.Variables.Select(kv => new KeyValue { Key = kv.Key, Value = kv.Value }));
        config.Mounts.AddRange(setup.MountsByContainer[container.Name].Select(m => new Mount { ContainerPath = m.ContainerPath, HostPath = m.HostPath, Readonly = m.ReadOnly }));
        var id = (await Node.Cri.CreateContainerAsync(podId, config, sandboxConfig)).GetValueOrThrow();
        (await Node.Cri.StartContainerAsync(id)).GetValueOrThrow();
        if (waitRunning)
        {
            await Run.UntilAsync(async () => (await Node.Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status.State == ContainerState.ContainerRunning ? "ok" : null,
                "the container to run");
        }
        return (id, ctx, volumes);
    }

    private async Task<string> ExecAsync(string id, params string[] command)
    {
        var result = (await Node.Cri.ExecSyncAsync(id, command, ExecTimeout)).GetValueOrThrow();
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: exit {result.ExitCode}: {result.StderrText}");
        return result.StdoutText;
    }

    private async Task CreateAsync<T>(T obj) where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        (await fixture.Api.CreateAsync(obj)).Require();

    [Fact]
    public async Task Env_and_volumes_from_configmap_secret_fieldRef_and_downwardAPI_are_seen_inside()
    {
        await CreateAsync(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new() { Name = "web-config", NamespaceProperty = Ns },
            Data = new Dictionary<string, string> { ["MODE"] = "prod", ["app.conf"] = "listen=80\n" } });
        await CreateAsync(new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new() { Name = "web-secret", NamespaceProperty = Ns },
            Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") } });

        var container = new V1Container
        {
            Name = "app",
            Image = ProjectImages.Busybox,
            Command = ["sleep", "3600"],
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "web-config" }, Prefix = "CFG_" }],
            Env =
            [
                new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "web-secret", Key = "password" } } },
                new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
                new V1EnvVar { Name = "MEM_MI", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.memory", Divisor = new ResourceQuantity("1Mi") } } },
                new V1EnvVar { Name = "GREETING", Value = "$(POD_NAME) in $(CFG_MODE)" },
            ],
            VolumeMounts =
            [
                new V1VolumeMount { Name = "config", MountPath = "/etc/web" },
                new V1VolumeMount { Name = "secret", MountPath = "/etc/secret" },
                new V1VolumeMount { Name = "info", MountPath = "/etc/podinfo" },
            ],
        };
        var pod = Pod("envvol", container,
            new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "web-config" } },
            new V1Volume { Name = "secret", Secret = new V1SecretVolumeSource { SecretName = "web-secret" } },
            new V1Volume { Name = "info", DownwardAPI = new V1DownwardAPIVolumeSource { Items =
                [new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }] } });
        var (id, ctx, volumes) = await StartAsync(pod);
        try
        {
            var env = (await ExecAsync(id, "env")).Split('\n').Where(l => l.Contains('=', StringComparison.Ordinal))
                .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal("prod", env["CFG_MODE"]);
            Assert.Equal("s3cret", env["PASSWORD"]);
            Assert.Equal("envvol", env["POD_NAME"]);
            Assert.Equal(ctx.PodIp, env["POD_IP"]);
            Assert.Equal("4096", env["MEM_MI"]);
            Assert.Equal("envvol in prod", env["GREETING"]);

            Assert.Equal("listen=80\n", await ExecAsync(id, "cat", "/etc/web/app.conf"));
            Assert.Equal("s3cret", await ExecAsync(id, "cat", "/etc/secret/password"));
            Assert.Equal("app=\"envvol\"\ntrack=\"e2e\"", await ExecAsync(id, "cat", "/etc/podinfo/labels"));
            // configMap, secret and downwardAPI volumes are read-only inside.
            var write = (await Node.Cri.ExecSyncAsync(id, ["sh", "-c", "echo x > /etc/web/new"], ExecTimeout)).GetValueOrThrow();
            Assert.NotEqual(0, write.ExitCode);
            Assert.Contains("Read-only file system", write.StderrText, StringComparison.Ordinal);
        }
        finally
        {
            await RemovePodAsync(pod, volumes);
        }
    }

    [Fact]
    public async Task A_configmap_update_reaches_the_mounted_file_without_a_restart()
    {
        await CreateAsync(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new() { Name = "live", NamespaceProperty = Ns },
            Data = new Dictionary<string, string> { ["color"] = "blue" } });
        var container = new V1Container
        {
            Name = "app",
            Image = ProjectImages.Busybox,
            Command = ["sleep", "3600"],
            VolumeMounts = [new V1VolumeMount { Name = "live", MountPath = "/config" }],
        };
        var pod = Pod("live", container, new V1Volume { Name = "live", ConfigMap = new V1ConfigMapVolumeSource { Name = "live" } });
        var (id, ctx, volumes) = await StartAsync(pod);
        try
        {
            Assert.Equal("blue", await ExecAsync(id, "cat", "/config/color"));
            var cm = (await fixture.Api.GetAsync<V1ConfigMap>(Ns, "live")).Require();
            cm.Data["color"] = "green";
            (await fixture.Api.UpdateAsync(cm)).Require();

            // The pod worker's next sync: SetUp again, no container restart, no remount.
            Assert.Null((await volumes.SetUpAsync(ctx, CancellationToken.None)).Error);
            Assert.Equal("green", await ExecAsync(id, "cat", "/config/color"));
            Assert.Equal(ContainerState.ContainerRunning, (await Node.Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status.State);
        }
        finally
        {
            await RemovePodAsync(pod, volumes);
        }
    }

    [Fact]
    public async Task RunAsUser_and_groups_are_the_process_identity()
    {
        var container = new V1Container
        {
            Name = "app",
            Image = ProjectImages.Busybox,
            Command = ["sleep", "3600"],
            SecurityContext = new V1SecurityContext { RunAsUser = 1234, ReadOnlyRootFilesystem = true },
        };
        var pod = Pod("ids", container);
        pod.Spec.SecurityContext = new V1PodSecurityContext { RunAsGroup = 2345, SupplementalGroups = [3456] };
        var (id, _, volumes) = await StartAsync(pod);
        try
        {
            Assert.Equal("1234\n", await ExecAsync(id, "id", "-u"));
            Assert.Equal("2345\n", await ExecAsync(id, "id", "-g"));
            Assert.Contains("3456", (await ExecAsync(id, "id", "-G")).Split(' ', '\n'));
            var write = (await Node.Cri.ExecSyncAsync(id, ["touch", "/newfile"], ExecTimeout)).GetValueOrThrow();
            Assert.NotEqual(0, write.ExitCode);
        }
        finally
        {
            await RemovePodAsync(pod, volumes);
        }
    }

    [Fact]
    public async Task A_container_allocating_past_its_memory_limit_is_OOMKilled()
    {
        // busybox tail keeps the last lines of its input in memory; /dev/zero has no newline, so
        // the buffer grows until the cgroup's limit stops it.
        var container = new V1Container
        {
            Name = "hog",
            Image = ProjectImages.Busybox,
            Command = ["tail", "/dev/zero"],
            Resources = new V1ResourceRequirements
            {
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("32Mi"), ["cpu"] = new("500m") },
                Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("32Mi"), ["cpu"] = new("500m") },
            },
        };
        var pod = Pod("hog", container);
        var (id, _, volumes) = await StartAsync(pod, waitRunning: false);
        try
        {
            var status = await Run.UntilAsync(async () =>
            {
                var s = (await Node.Cri.ContainerStatusAsync(id)).GetValueOrThrow().Status;
                return s.State == ContainerState.ContainerExited ? s : null;
            }, "the memory hog to be killed", seconds: 60);
            Assert.Equal("OOMKilled", status.Reason);
            Assert.Equal(137, status.ExitCode);
        }
        finally
        {
            await RemovePodAsync(pod, volumes);
        }
    }

    [Fact]
    public async Task A_projected_token_is_what_the_api_server_issues_and_never_made_up()
    {
        var container = new V1Container
        {
            Name = "app",
            Image = ProjectImages.Busybox,
            Command = ["sleep", "3600"],
            VolumeMounts = [new V1VolumeMount { Name = "sa", MountPath = "/var/run/secrets/tokens" }],
        };
        var pod = Pod("token", container, new V1Volume
        {
            Name = "sa",
            Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3600 } }] },
        });
        var (id, _, volumes) = await StartAsync(pod);
        try
        {
            var issued = await _objects.RequestAsync(Ns, "default", pod.Metadata.Name, pod.Metadata.Uid, null, 3600, CancellationToken.None);
            Assert.Null(issued.Error);
            var seen = await ExecAsync(id, "cat", "/var/run/secrets/tokens/token");
            if (issued.Token is null)
            {
                // This server has no TokenRequest: the file exists and holds nothing.
                Assert.Equal("", seen);
            }
            else
            {
                Assert.Equal(3, seen.Split('.').Length);
            }
        }
        finally
        {
            await RemovePodAsync(pod, volumes);
        }
    }

    private async Task RemovePodAsync(V1Pod pod, PodVolumes volumes)
    {
        var sandboxes = (await Node.Cri.ListPodSandboxAsync()).GetValueOrThrow();
        foreach (var sandbox in sandboxes.Where(s => s.Metadata.Uid == pod.Metadata.Uid))
        {
            await Node.Cri.StopPodSandboxAsync(sandbox.Id);
            await Node.Cri.RemovePodSandboxAsync(sandbox.Id);
        }
        await volumes.TearDownAsync(pod.Metadata.Uid, CancellationToken.None);
    }
}
