using k8s.Models;

namespace Timonel.Scheduler.E2E.Tests;

/// <summary>Pod specs for the placement tests: one pause container with the given requests.</summary>
public static class Pods
{
    public static V1Pod Make(string ns, string name, string cpu = "100m", string memory = "128Mi",
        IDictionary<string, string>? labels = null, Action<V1PodSpec>? configure = null)
    {
        var spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "main",
                    Image = "registry.k8s.io/pause:3.10",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
                    },
                },
            ],
        };
        configure?.Invoke(spec);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels is null ? null : new Dictionary<string, string>(labels) },
            Spec = spec,
        };
    }

    public static Dictionary<string, string> Labels(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
