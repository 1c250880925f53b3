using k8s.Models;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Containers;

/// <summary>
/// Requests and limits into cgroup values, as the kubelet maps them for cgroups v1:
/// cpu.shares = request in milli-cpu * 1024 / 1000 (at least 2); the CFS period is 100 ms and the
/// quota is limit * period / 1000 (at least 1 ms, 0 = no limit); memory.limit_in_bytes = the memory
/// limit; oom_score_adj by QoS (Guaranteed -997, BestEffort 1000, Burstable between 3 and 999 by
/// the share of the node's memory the container requests).
/// </summary>
public static class ResourceMapping
{
    public const long MinShares = 2;
    public const long SharesPerCpu = 1024;
    public const long QuotaPeriod = 100_000;
    public const long MinQuotaPeriod = 1000;
    public const int GuaranteedOomScoreAdj = -997;
    public const int BestEffortOomScoreAdj = 1000;

    public static LinuxContainerResources For(V1Pod pod, V1Container container, long memoryCapacityBytes)
    {
        var requestMilli = MilliValue(container.Resources?.Requests, "cpu");
        var limitMilli = MilliValue(container.Resources?.Limits, "cpu");
        // The API server defaults a missing request to the limit; a pod object built elsewhere may not have been defaulted.
        if (requestMilli == 0 && limitMilli > 0 && container.Resources?.Requests?.ContainsKey("cpu") != true)
        {
            requestMilli = limitMilli;
        }
        return new LinuxContainerResources
        {
            CpuShares = MilliCpuToShares(requestMilli),
            CpuPeriod = QuotaPeriod,
            CpuQuota = MilliCpuToQuota(limitMilli, QuotaPeriod),
            MemoryLimitInBytes = Value(container.Resources?.Limits, "memory"),
            OomScoreAdj = OomScoreAdj(pod, container, memoryCapacityBytes),
        };
    }

    public static long MilliCpuToShares(long milliCpu)
    {
        if (milliCpu == 0)
        {
            return MinShares;
        }
        var shares = milliCpu * SharesPerCpu / 1000;
        return shares < MinShares ? MinShares : shares;
    }

    public static long MilliCpuToQuota(long milliCpu, long period)
    {
        if (milliCpu == 0)
        {
            return 0;
        }
        var quota = milliCpu * period / 1000;
        return quota < MinQuotaPeriod ? MinQuotaPeriod : quota;
    }

    public static int OomScoreAdj(V1Pod pod, V1Container container, long memoryCapacityBytes)
    {
        switch (QosClass.Of(pod))
        {
            case QosClass.Guaranteed:
                return GuaranteedOomScoreAdj;
            case QosClass.BestEffort:
                return BestEffortOomScoreAdj;
        }
        if (memoryCapacityBytes <= 0)
        {
            return BestEffortOomScoreAdj - 1;
        }
        var request = container.Resources?.Requests?.ContainsKey("memory") == true
            ? Value(container.Resources.Requests, "memory")
            : Value(container.Resources?.Limits, "memory");
        var adj = 1000 - 1000 * request / memoryCapacityBytes;
        // A Guaranteed container using all memory scores about 3; Burstable ones stay above it.
        if (adj < 1000 + GuaranteedOomScoreAdj)
        {
            return 1000 + GuaranteedOomScoreAdj;
        }
        // ... and below BestEffort ones.
        return adj == BestEffortOomScoreAdj ? (int)adj - 1 : (int)adj;
    }

    public static long MilliValue(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) ? (long)Math.Ceiling(q.ToDecimal() * 1000m) : 0;

    public static long Value(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) ? (long)Math.Ceiling(q.ToDecimal()) : 0;
}
