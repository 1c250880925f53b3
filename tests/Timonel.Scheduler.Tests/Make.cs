using k8s.Models;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Tests;

/// <summary>Builders for the nodes and pods the tables describe.</summary>
internal static class Make
{
    public static V1Node Node(string name, string cpu = "4", string memory = "8Gi", int pods = 110,
        Dictionary<string, string>? labels = null, IList<V1Taint>? taints = null, bool unschedulable = false,
        Dictionary<string, string>? extra = null, IList<V1ContainerImage>? images = null)
    {
        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu),
            ["memory"] = new(memory),
            ["pods"] = new(pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new("100Gi"),
        };
        foreach (var (k, v) in extra ?? [])
        {
            allocatable[k] = new ResourceQuantity(v);
        }
        var allLabels = new Dictionary<string, string>(labels ?? []) { ["kubernetes.io/hostname"] = name };
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = allLabels },
            Spec = new V1NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable, Images = images },
        };
    }

    public static V1Pod Pod(string name, string? cpu = null, string? memory = null, string? node = null,
        Dictionary<string, string>? labels = null, int priority = 0, string ns = "default", string image = "app:1")
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }
        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = ns + "-" + name,
                Labels = labels ?? [],
                CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Priority = priority,
                Containers = [new V1Container { Name = "c", Image = image, Resources = new V1ResourceRequirements { Requests = requests } }],
            },
        };
    }

    public static V1Taint Taint(string key, string value = "", string effect = "NoSchedule") => new() { Key = key, Value = value, Effect = effect };

    public static V1Toleration Toleration(string key, string op = "Exists", string? value = null, string? effect = null) =>
        new() { Key = key, OperatorProperty = op, Value = value, Effect = effect };

    public static Dictionary<string, string> Labels(params string[] pairs)
    {
        var d = new Dictionary<string, string>();
        foreach (var p in pairs)
        {
            var i = p.IndexOf('=', StringComparison.Ordinal);
            d[p[..i]] = p[(i + 1)..];
        }
        return d;
    }

    /// <summary>A snapshot of <paramref name="nodes"/> with <paramref name="pods"/> placed by their nodeName.</summary>
    public static Snapshot Snapshot(IEnumerable<V1Node> nodes, IEnumerable<V1Pod>? pods = null)
    {
        var cache = new SchedulerCache(TimeProvider.System, TimeSpan.FromSeconds(30));
        foreach (var n in nodes)
        {
            cache.AddOrUpdateNode(n);
        }
        foreach (var p in pods ?? [])
        {
            cache.AddOrUpdatePod(p);
        }
        return cache.Current();
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class FakeTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
