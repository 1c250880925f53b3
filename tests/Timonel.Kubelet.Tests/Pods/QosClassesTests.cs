using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class QosClassesTests
{
    private static V1Container C(string? cpuReq = null, string? memReq = null, string? cpuLim = null, string? memLim = null)
    {
        Dictionary<string, ResourceQuantity>? Map(string? cpu, string? mem)
        {
            var d = new Dictionary<string, ResourceQuantity>();
            if (cpu is not null) d["cpu"] = new ResourceQuantity(cpu);
            if (mem is not null) d["memory"] = new ResourceQuantity(mem);
            return d.Count == 0 ? null : d;
        }
        return new V1Container { Name = "c", Image = "i", Resources = new V1ResourceRequirements { Requests = Map(cpuReq, memReq), Limits = Map(cpuLim, memLim) } };
    }

    private static string Of(params V1Container[] containers) => QosClasses.Of(new V1Pod { Spec = new V1PodSpec { Containers = containers } });

    [Fact]
    public void No_requests_or_limits_is_BestEffort() => Assert.Equal("BestEffort", Of(C(), C()));

    [Fact]
    public void Limits_on_everything_with_equal_or_missing_requests_is_Guaranteed()
    {
        Assert.Equal("Guaranteed", Of(C(cpuLim: "500m", memLim: "64Mi"), C(cpuReq: "0.5", memReq: "64Mi", cpuLim: "500m", memLim: "64Mi")));
    }

    [Fact]
    public void Anything_else_is_Burstable()
    {
        Assert.Equal("Burstable", Of(C(cpuReq: "100m")));
        Assert.Equal("Burstable", Of(C(cpuLim: "1", memLim: "1Gi"), C()));
        Assert.Equal("Burstable", Of(C(cpuReq: "500m", cpuLim: "1", memLim: "1Gi")));
        Assert.Equal("Burstable", Of(C(cpuLim: "1")));
    }
}
