using System.Text;
using k8s.Models;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests;

/// <summary>Real files under a temporary directory; the tmpfs cases mount real tmpfs (the tests run as root, as the agent does).</summary>
public sealed class PodVolumesTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly MemoryObjects _objects = new MemoryObjects()
        .With(Make.ConfigMap("app", ("app.conf", "mode=prod"), ("other", "o")))
        .With(Make.Secret("creds", ("password", "s3cret"), ("user", "admin")));

    public void Dispose() => _tmp.Dispose();

    private PodVolumes Volumes(bool tmpfs = false, IServiceAccountTokenSource? tokens = null) =>
        new(new PodVolumesOptions(Path.Combine(_tmp.Path, "pods"), tmpfs), _objects, TimeProvider.System, tokens,
            new ContainerEnvironmentBuilder(_objects));

    private static V1Pod PodWith(V1Volume volume, params V1VolumeMount[] mounts)
    {
        var c = Make.Container();
        c.VolumeMounts = mounts.ToList();
        var pod = Make.Pod(c);
        pod.Spec.Volumes = [volume];
        return pod;
    }

    private string VolDir(string plugin, string name) =>
        Path.Combine(_tmp.Path, "pods", Make.Pod().Metadata.Uid, "volumes", plugin, name);

    [Fact]
    public async Task ConfigMap_files_and_an_update_swap_data()
    {
        var pod = PodWith(new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "app" } }, Make.Mount("/etc/app", "cfg"));
        var volumes = Volumes();
        var setup = await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Null(setup.Error);
        var dir = VolDir("kubernetes.io~configmap", "cfg");
        var mount = Assert.Single(setup.MountsByContainer["app"]);
        Assert.Equal(new ContainerMount("/etc/app", dir, ReadOnly: true), mount);
        Assert.Equal("mode=prod", File.ReadAllText(Path.Combine(dir, "app.conf")));
        var before = new FileInfo(Path.Combine(dir, "..data")).LinkTarget;

        _objects.With(Make.ConfigMap("app", ("app.conf", "mode=debug")));
        setup = await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Null(setup.Error);
        Assert.NotEqual(before, new FileInfo(Path.Combine(dir, "..data")).LinkTarget);
        Assert.Equal("mode=debug", File.ReadAllText(Path.Combine(dir, "app.conf")));
        Assert.False(Path.Exists(Path.Combine(dir, "other")));
    }

    [Fact]
    public async Task Items_and_modes_select_and_rename_keys()
    {
        var pod = PodWith(new V1Volume { Name = "s",
            Secret = new V1SecretVolumeSource
            {
                SecretName = "creds",
                DefaultMode = 256, // 0400
                Items = [Make.KeyPath("password", "db/pass"), Make.KeyPath("user", "user.txt", mode: 384)],
            },
        }, Make.Mount("/creds", "s", readOnly: false));
        var setup = await Volumes().SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Null(setup.Error);
        var dir = VolDir("kubernetes.io~secret", "s");
        Assert.Equal("s3cret", File.ReadAllText(Path.Combine(dir, "db/pass")));
        Assert.Equal((UnixFileMode)256, File.GetUnixFileMode(Path.Combine(dir, "db/pass")));
        Assert.Equal((UnixFileMode)384, File.GetUnixFileMode(Path.Combine(dir, "user.txt")));
        Assert.False(Path.Exists(Path.Combine(dir, "password")));
        Assert.True(Assert.Single(setup.MountsByContainer["app"]).ReadOnly);
    }

    public static TheoryData<V1Volume, string> Failures => new()
    {
        { new V1Volume { Name = "v", ConfigMap = new V1ConfigMapVolumeSource { Name = "nope" } }, "MountVolume.SetUp failed for volume \"v\" : configmap \"nope\" not found" },
        { new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = "nope" } }, "MountVolume.SetUp failed for volume \"v\" : secret \"nope\" not found" },
        { new V1Volume { Name = "v", ConfigMap = new V1ConfigMapVolumeSource { Name = "app", Items = [Make.KeyPath("k", "p")] } },
          "MountVolume.SetUp failed for volume \"v\" : configmap references non-existent config key: k" },
        { new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = "creds", Items = [Make.KeyPath("k", "p")] } },
          "MountVolume.SetUp failed for volume \"v\" : references non-existent secret key: k" },
        { new V1Volume { Name = "v", HostPath = Make.HostPath("/nonexistent/timonel", "Directory") },
          "MountVolume.SetUp failed for volume \"v\" : hostPath /nonexistent/timonel doesn't exist" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Missing_sources_fail_the_mount(V1Volume volume, string message)
    {
        var setup = await Volumes().SetUpAsync(Make.Context(PodWith(volume)), CancellationToken.None);
        Assert.Equal(message, setup.Error);
    }

    [Fact]
    public async Task Optional_missing_sources_give_empty_volumes()
    {
        var pod = PodWith(new V1Volume { Name = "v", ConfigMap = new V1ConfigMapVolumeSource { Name = "nope", Optional = true } }, Make.Mount("/v", "v"));
        var setup = await Volumes().SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Null(setup.Error);
        var dir = VolDir("kubernetes.io~configmap", "v");
        var names = Directory.EnumerateFileSystemEntries(dir).Select(p => Path.GetFileName(p)!).ToList();
        Assert.Contains("..data", names);
        Assert.DoesNotContain(names, n => !n.StartsWith("..", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DownwardAPI_files_follow_label_changes()
    {
        var pod = PodWith(new V1Volume { Name = "info",
            DownwardAPI = new V1DownwardAPIVolumeSource
            {
                Items =
                [
                    Make.DownFile("labels", Make.Field("metadata.labels")),
                    Make.DownFile("annotations", Make.Field("metadata.annotations")),
                    Make.DownFile("name", Make.Field("metadata.name")),
                    Make.DownFile("cpu_limit", resourceFieldRef: Make.ResField("limits.cpu", "app", new ResourceQuantity("1m"))),
                ],
            },
        });
        var volumes = Volumes();
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        var dir = VolDir("kubernetes.io~downward-api", "info");
        Assert.Equal("app=\"web\"\ntier=\"front\"", File.ReadAllText(Path.Combine(dir, "labels")));
        Assert.Equal("note=\"say \\\"hi\\\"\\n\"", File.ReadAllText(Path.Combine(dir, "annotations")));
        Assert.Equal("web-1", File.ReadAllText(Path.Combine(dir, "name")));
        Assert.Equal("4000", File.ReadAllText(Path.Combine(dir, "cpu_limit")));

        pod.Metadata.Labels["tier"] = "back";
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        Assert.Equal("app=\"web\"\ntier=\"back\"", File.ReadAllText(Path.Combine(dir, "labels")));
    }

    [Fact]
    public async Task Projected_merges_sources_and_writes_an_empty_token_without_token_requests()
    {
        var pod = PodWith(new V1Volume { Name = "all",
            Projected = new V1ProjectedVolumeSource
            {
                Sources =
                [
                    new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "app", Items = [Make.KeyPath("app.conf", "app.conf")] } },
                    new V1VolumeProjection { Secret = new V1SecretProjection { Name = "creds" } },
                    new V1VolumeProjection { DownwardAPI = new V1DownwardAPIProjection { Items = [Make.DownFile("ns", Make.Field("metadata.namespace"))] } },
                    new V1VolumeProjection { ServiceAccountToken = Make.Token("token") },
                ],
            },
        });
        Assert.Null((await Volumes().SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        var dir = VolDir("kubernetes.io~projected", "all");
        Assert.Equal("mode=prod", File.ReadAllText(Path.Combine(dir, "app.conf")));
        Assert.Equal("admin", File.ReadAllText(Path.Combine(dir, "user")));
        Assert.Equal("shop", File.ReadAllText(Path.Combine(dir, "ns")));
        Assert.Equal("", File.ReadAllText(Path.Combine(dir, "token")));
        Assert.False(Path.Exists(Path.Combine(dir, "other")));
    }

    [Fact]
    public async Task Projected_token_comes_from_the_token_source()
    {
        var tokens = new FixedTokens();
        var pod = PodWith(new V1Volume { Name = "t",
            Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ServiceAccountToken = Make.Token("token", "vault", 600) }] },
        });
        var volumes = Volumes(tokens: tokens);
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        Assert.Equal("jwt-1", File.ReadAllText(Path.Combine(VolDir("kubernetes.io~projected", "t"), "token")));
        // Cached until 80% of its lifetime: the second sync asked for nothing.
        Assert.Equal([("shop", "builder", "vault", 600L)], tokens.Requests);
    }

    private sealed class FixedTokens : IServiceAccountTokenSource
    {
        public List<(string, string, string?, long)> Requests { get; } = [];

        public Task<ServiceAccountToken> RequestAsync(string ns, string serviceAccount, string podName, string podUid,
            string? audience, long expirationSeconds, CancellationToken ct)
        {
            Requests.Add((ns, serviceAccount, audience, expirationSeconds));
            return Task.FromResult(new ServiceAccountToken("jwt-" + Requests.Count, null));
        }
    }

    [Fact]
    public async Task Mounts_cover_init_containers_subPath_and_hostPath()
    {
        var hostDir = Directory.CreateDirectory(Path.Combine(_tmp.Path, "host")).FullName;
        var init = Make.Container("init");
        init.VolumeMounts = [Make.Mount("/work", "scratch", subPath: "init-area")];
        var app = Make.Container();
        app.Env = [Make.EnvVar("SUB", "from-env")];
        app.VolumeMounts =
        [
            Make.Mount("/work", "scratch", subPathExpr: "$(SUB)/x"),
            Make.Mount("/host", "host", readOnly: true),
        ];
        var pod = Make.Pod(app);
        pod.Spec.InitContainers = [init];
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "host", HostPath = Make.HostPath(hostDir, "Directory") },
        ];
        var setup = await Volumes().SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Null(setup.Error);
        var scratch = VolDir("kubernetes.io~empty-dir", "scratch");
        Assert.Equal([new ContainerMount("/work", Path.Combine(scratch, "init-area"), false)], setup.MountsByContainer["init"]);
        Assert.Equal([new ContainerMount("/work", Path.Combine(scratch, "from-env/x"), false), new ContainerMount("/host", hostDir, true)],
            setup.MountsByContainer["app"]);
        Assert.True(Directory.Exists(Path.Combine(scratch, "from-env/x")));
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(scratch));
    }

    [Fact]
    public async Task A_subPath_through_a_symlink_must_stay_inside_the_volume()
    {
        var pod = PodWith(new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() }, Make.Mount("/w", "scratch"));
        var volumes = Volumes();
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        // What a container could leave in its writable volume before the next container starts.
        var scratch = VolDir("kubernetes.io~empty-dir", "scratch");
        File.CreateSymbolicLink(Path.Combine(scratch, "escape"), "/etc");
        File.CreateSymbolicLink(Path.Combine(scratch, "up"), "..");
        Directory.CreateDirectory(Path.Combine(scratch, "real/inner"));
        File.CreateSymbolicLink(Path.Combine(scratch, "inside"), "real");

        foreach (var bad in new[] { "escape", "escape/ssl", "up" })
        {
            pod.Spec.Containers[0].VolumeMounts = [Make.Mount("/w", "scratch", subPath: bad)];
            var setup = await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None);
            Assert.Equal($"subpath \"{bad}\" not within volume path \"{scratch}\"", setup.Error);
        }
        pod.Spec.Containers[0].VolumeMounts = [Make.Mount("/w", "scratch", subPath: "inside/inner")];
        var ok = await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Null(ok.Error);
        Assert.Equal(Path.Combine(scratch, "real/inner"), Assert.Single(ok.MountsByContainer["app"]).HostPath);
    }

    [Fact]
    public async Task FsGroup_owns_volume_files_with_group_read_and_setgid_directories()
    {
        var pod = PodWith(new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = "creds", DefaultMode = 256 } });
        pod.Spec.Volumes.Add(new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() });
        pod.Spec.SecurityContext = new V1PodSecurityContext { FsGroup = 4242 };
        var volumes = Volumes();
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        var secret = VolDir("kubernetes.io~secret", "s");
        var before = new FileInfo(Path.Combine(secret, "..data")).LinkTarget;
        Assert.Equal("4242 440", Stat(Path.Combine(secret, "user")));   // 0400 + group read
        Assert.Equal("4242 2777", Stat(VolDir("kubernetes.io~empty-dir", "scratch")));
        // The adjusted modes are part of the payload: a resync with nothing new rewrites nothing.
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        Assert.Equal(before, new FileInfo(Path.Combine(secret, "..data")).LinkTarget);
    }

    private static string Stat(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-L", "-c", "%g %a", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return output;
    }

    [Fact]
    public async Task A_mount_of_an_unknown_volume_is_an_error()
    {
        var pod = PodWith(new V1Volume { Name = "a", EmptyDir = new V1EmptyDirVolumeSource() }, Make.Mount("/b", "b"));
        var setup = await Volumes().SetUpAsync(Make.Context(pod), CancellationToken.None);
        Assert.Equal("cannot find volume \"b\" to mount into container \"app\"", setup.Error);
    }

    [Fact]
    public async Task Memory_emptyDir_and_secrets_are_tmpfs_and_teardown_removes_everything()
    {
        var hostDir = Directory.CreateDirectory(Path.Combine(_tmp.Path, "host-keep")).FullName;
        File.WriteAllText(Path.Combine(hostDir, "precious"), "keep");
        var pod = PodWith(new V1Volume { Name = "mem", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("16Mi") } });
        pod.Spec.Volumes.Add(new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = "creds" } });
        pod.Spec.Volumes.Add(new V1Volume { Name = "h", HostPath = Make.HostPath(hostDir) });
        var volumes = Volumes(tmpfs: true);
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);
        Assert.Null((await volumes.SetUpAsync(Make.Context(pod), CancellationToken.None)).Error);

        var mem = VolDir("kubernetes.io~empty-dir", "mem");
        var secret = VolDir("kubernetes.io~secret", "s");
        var mounts = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).ToList();
        var memMount = Assert.Single(mounts, m => m[1] == mem);
        Assert.Equal("tmpfs", memMount[2]);
        Assert.Contains("size=16384k", memMount[3].Split(','));
        Assert.Single(mounts, m => m[1] == secret && m[2] == "tmpfs");
        Assert.Equal("admin", File.ReadAllText(Path.Combine(secret, "user")));

        await volumes.TearDownAsync(pod.Metadata.Uid, CancellationToken.None);
        Assert.False(Directory.Exists(Path.Combine(_tmp.Path, "pods", pod.Metadata.Uid)));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mounts"), l => l.Contains(_tmp.Path, StringComparison.Ordinal));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(hostDir, "precious")));
    }
}
