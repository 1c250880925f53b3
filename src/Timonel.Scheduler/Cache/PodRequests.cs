using k8s.Models;

namespace Timonel.Scheduler.Cache;

/// <summary>The effective resource request of a pod, computed as kube-scheduler does.</summary>
internal static class PodRequests
{
    /// <summary>
    /// Regular containers run together, so their requests add up; restartable init containers
    /// (sidecars, restartPolicy Always) start before and keep running, so they add to the
    /// containers and to every later init step; each ordinary init container runs alone with the
    /// sidecars started before it. The pod needs the largest of these phases, plus its overhead.
    /// Pod-level requests, where given, replace the result for cpu and memory (before overhead).
    /// The non-zero variant substitutes 100m CPU / 200Mi memory for a container missing a request.
    /// </summary>
    public static (Resources Requests, Resources NonZero) Compute(V1PodSpec? spec)
    {
        return (Phase(spec, nonZero: false), Phase(spec, nonZero: true));
    }

    private static Resources Phase(V1PodSpec? spec, bool nonZero)
    {
        var total = new Resources();
        foreach (var c in spec?.Containers ?? [])
        {
            total.Add(ContainerRequest(c, nonZero));
        }
        var sidecars = new Resources();
        var initPeak = new Resources();
        foreach (var c in spec?.InitContainers ?? [])
        {
            var req = ContainerRequest(c, nonZero);
            Resources step;
            if (c.RestartPolicy == "Always")
            {
                total.Add(req);
                sidecars.Add(req);
                step = sidecars.Clone();
            }
            else
            {
                step = req.Clone();
                step.Add(sidecars);
            }
            initPeak.SetMax(step);
        }
        total.SetMax(initPeak);
        // Pod-level requests (spec.resources, cpu and memory only) replace the containers' sum.
        if (spec?.Resources?.Requests is { } podLevel)
        {
            if (podLevel.TryGetValue(Resources.Cpu, out var cpu))
            {
                total.MilliCpu = Resources.MilliValue(cpu);
            }
            if (podLevel.TryGetValue(Resources.Memory, out var memory))
            {
                total.MemoryBytes = Resources.Value(memory);
            }
        }
        if (spec?.Overhead is { } overhead)
        {
            total.Add(overhead);
        }
        return total;
    }

    private static Resources ContainerRequest(V1Container c, bool nonZero)
    {
        var req = Resources.From(c.Resources?.Requests);
        if (nonZero)
        {
            var requests = c.Resources?.Requests;
            if (requests is null || !requests.ContainsKey(Resources.Cpu))
            {
                req.MilliCpu = Resources.DefaultMilliCpuRequest;
            }
            if (requests is null || !requests.ContainsKey(Resources.Memory))
            {
                req.MemoryBytes = Resources.DefaultMemoryRequest;
            }
        }
        return req;
    }
}
