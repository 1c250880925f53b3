using k8s.Models;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Tests;

public class PodRequestsTests
{
    private static V1Container C(string name, string cpu, string? restart = null) => new()
    {
        Name = name,
        RestartPolicy = restart,
        Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
    };

    public static TheoryData<string, string[], string[], string[], string?, long> Cases => new()
    {
        // name, containers, init containers, sidecars (restartable init, placed first), overhead, expected milli-CPU
        { "containers add up", ["100m", "200m"], [], [], null, 300 },
        { "a bigger init container wins", ["100m"], ["500m"], [], null, 500 },
        { "a smaller init container does not count", ["800m"], ["500m"], [], null, 800 },
        { "overhead is added", ["100m"], [], [], "250m", 350 },
        { "a sidecar runs beside containers", ["100m"], [], ["50m"], null, 150 },
        { "an init step after a sidecar needs both", ["100m"], ["500m"], ["50m"], null, 550 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Effective_request_matches_upstream_rules(string name, string[] containers, string[] inits, string[] sidecars, string? overhead, long expected)
    {
        var spec = new V1PodSpec
        {
            Containers = containers.Select((c, i) => C("c" + i, c)).ToList(),
            InitContainers = sidecars.Select((c, i) => C("s" + i, c, "Always")).Concat(inits.Select((c, i) => C("i" + i, c))).ToList(),
            Overhead = overhead is null ? null : new Dictionary<string, ResourceQuantity> { ["cpu"] = new(overhead) },
        };
        var pod = new PodInfo(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = spec });
        Assert.Equal(expected, pod.Requests.MilliCpu);
    }

    [Fact]
    public void Pod_level_requests_replace_the_containers_sum()
    {
        var pod = Make.Pod("p", "100m", "64Mi");
        pod.Spec.Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") } };
        pod.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") };
        var info = new PodInfo(pod);
        Assert.Equal(2100, info.Requests.MilliCpu);
        Assert.Equal(64L * 1024 * 1024, info.Requests.MemoryBytes);
        Assert.Equal(2100, info.NonZeroRequests.MilliCpu);
    }

    [Fact]
    public void Missing_requests_count_as_defaults_only_for_scoring()
    {
        var pod = new PodInfo(Make.Pod("p"));
        Assert.Equal(0, pod.Requests.MilliCpu);
        Assert.Equal(0, pod.Requests.MemoryBytes);
        Assert.Equal(100, pod.NonZeroRequests.MilliCpu);
        Assert.Equal(200L * 1024 * 1024, pod.NonZeroRequests.MemoryBytes);
    }
}
