using k8s.Models;
using Timonel.Kubelet.Containers;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Tests;

public sealed class ContainerRuntimeSettingsTests
{
    private const long Gi = 1024L * 1024 * 1024;
    private readonly ContainerRuntimeSettings _settings = new(memoryCapacityBytes: 8 * Gi);

    private static V1Container With(string? reqCpu, string? reqMem, string? limCpu, string? limMem, string name = "app")
    {
        var c = Make.Container(name);
        var req = new List<(string, string)>();
        var lim = new List<(string, string)>();
        if (reqCpu is not null) { req.Add(("cpu", reqCpu)); }
        if (reqMem is not null) { req.Add(("memory", reqMem)); }
        if (limCpu is not null) { lim.Add(("cpu", limCpu)); }
        if (limMem is not null) { lim.Add(("memory", limMem)); }
        c.Resources = new V1ResourceRequirements { Requests = Make.Res([.. req]), Limits = Make.Res([.. lim]) };
        return c;
    }

    public static TheoryData<string?, string?, string?, string?, long, long, long, long, string> Cases => new()
    {
        // reqCpu, reqMem, limCpu, limMem -> shares, quota, memory limit, oom_score_adj, QoS
        { null, null, null, null, 2, 0, 0, 1000, QosClass.BestEffort },
        { "500m", "1Gi", "500m", "1Gi", 512, 50_000, Gi, -997, QosClass.Guaranteed },
        { "1", "1Gi", "2", "2Gi", 1024, 200_000, 2 * Gi, 875, QosClass.Burstable },
        { "1m", null, "5m", null, 2, 1000, 0, 999, QosClass.Burstable },
        { "250m", "8Gi", null, null, 256, 0, 0, 3, QosClass.Burstable },
        { "100m", "4Gi", null, "4Gi", 102, 0, 4 * Gi, 500, QosClass.Burstable },
        // Limits only: requests default to them (the API server's defaulting), so Guaranteed.
        { null, null, "2", "1Gi", 2048, 200_000, Gi, -997, QosClass.Guaranteed },
        { null, null, null, "2Gi", 2, 0, 2 * Gi, 750, QosClass.Burstable },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resources_map_to_cgroup_values(string? reqCpu, string? reqMem, string? limCpu, string? limMem,
        long shares, long quota, long memory, long oom, string qos)
    {
        var c = With(reqCpu, reqMem, limCpu, limMem);
        var pod = Make.Pod(c);
        Assert.Equal(qos, QosClass.Of(pod));
        var r = _settings.ForContainer(Make.Context(pod), c).Resources;
        Assert.Equal(shares, r.CpuShares);
        Assert.Equal(100_000, r.CpuPeriod);
        Assert.Equal(quota, r.CpuQuota);
        Assert.Equal(memory, r.MemoryLimitInBytes);
        Assert.Equal(oom, r.OomScoreAdj);
    }

    [Fact]
    public void QoS_counts_every_container_including_init()
    {
        var a = With("1", "1Gi", "1", "1Gi");
        var pod = Make.Pod(a, With("1", "1Gi", "1", "1Gi", "b"));
        Assert.Equal(QosClass.Guaranteed, QosClass.Of(pod));
        pod.Spec.InitContainers = [With("1", null, "1", null, "init")];
        Assert.Equal(QosClass.Burstable, QosClass.Of(pod));
    }

    [Fact]
    public void Container_security_context_overrides_the_pod()
    {
        var c = Make.Container();
        c.SecurityContext = new V1SecurityContext
        {
            RunAsUser = 1000,
            ReadOnlyRootFilesystem = true,
            AllowPrivilegeEscalation = false,
            Capabilities = new V1Capabilities { Add = ["NET_ADMIN"], Drop = ["ALL"] },
        };
        var pod = Make.Pod(c);
        pod.Spec.SecurityContext = new V1PodSecurityContext { RunAsUser = 2000, RunAsGroup = 3000, FsGroup = 4000, SupplementalGroups = [5000, 6000] };
        var sc = _settings.ForContainer(Make.Context(pod), c).SecurityContext;
        Assert.Equal(1000, sc.RunAsUser.Value);
        Assert.Equal(3000, sc.RunAsGroup.Value);
        Assert.Equal([4000L, 5000, 6000], sc.SupplementalGroups);
        Assert.True(sc.ReadonlyRootfs);
        Assert.True(sc.NoNewPrivs);
        Assert.False(sc.Privileged);
        Assert.Equal(["NET_ADMIN"], sc.Capabilities.AddCapabilities);
        Assert.Equal(["ALL"], sc.Capabilities.DropCapabilities);
        Assert.Contains("/proc/kcore", sc.MaskedPaths);
        Assert.Contains("/proc/sys", sc.ReadonlyPaths);
        Assert.Equal(NamespaceMode.Container, sc.NamespaceOptions.Pid);
    }

    [Fact]
    public void Privileged_containers_get_no_masked_paths_and_make_the_sandbox_privileged()
    {
        var c = Make.Container();
        c.SecurityContext = new V1SecurityContext { Privileged = true };
        var pod = Make.Pod(c);
        pod.Spec.HostNetwork = true;
        pod.Spec.ShareProcessNamespace = true;
        pod.Spec.SecurityContext = new V1PodSecurityContext { RunAsUser = 10, Sysctls = [Make.Sysctl("net.ipv4.ip_unprivileged_port_start", "0")] };
        var sc = _settings.ForContainer(Make.Context(pod), c).SecurityContext;
        Assert.True(sc.Privileged);
        Assert.Empty(sc.MaskedPaths);
        Assert.False(sc.NoNewPrivs);

        var sandbox = _settings.ForSandbox(Make.Context(pod), "/timonel/node-a/pod" + pod.Metadata.Uid);
        Assert.Equal("/timonel/node-a/pod" + pod.Metadata.Uid, sandbox.CgroupParent);
        Assert.True(sandbox.SecurityContext.Privileged);
        Assert.Equal(10, sandbox.SecurityContext.RunAsUser.Value);
        Assert.Equal(NamespaceMode.Node, sandbox.SecurityContext.NamespaceOptions.Network);
        Assert.Equal(NamespaceMode.Pod, sandbox.SecurityContext.NamespaceOptions.Pid);
        Assert.Equal("0", sandbox.Sysctls["net.ipv4.ip_unprivileged_port_start"]);
    }

    [Theory]
    [InlineData(null, null, null, "container has runAsNonRoot and image will run as root (pod: \"web-1_shop(0b9e4a3c-1111-2222-3333-444455556666)\", container: app)")]
    [InlineData(0L, null, null, "container's runAsUser breaks non-root policy (pod: \"web-1_shop(0b9e4a3c-1111-2222-3333-444455556666)\", container: app)")]
    [InlineData(1000L, null, null, null)]
    [InlineData(null, 1000L, null, null)]
    [InlineData(null, null, "nobody", "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: \"web-1_shop(0b9e4a3c-1111-2222-3333-444455556666)\", container: app)")]
    public void RunAsNonRoot_is_checked_against_the_user(long? runAsUser, long? imageUid, string? imageUser, string? error)
    {
        var c = Make.Container();
        c.SecurityContext = new V1SecurityContext { RunAsNonRoot = true, RunAsUser = runAsUser };
        var image = new Image { Username = imageUser ?? "" };
        if (imageUid is { } uid)
        {
            image.Uid = new Int64Value { Value = uid };
        }
        Assert.Equal(error, ContainerRuntimeSettings.Verify(Make.Context(Make.Pod(c)), c, image));
    }
}
