using k8s.Models;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// Amounts of compute resources in scheduler units (milli-CPU, bytes, pod count, scalar integers).
/// Invariant: an instance owned by a <see cref="NodeInfo"/> or <see cref="PodInfo"/> is never
/// mutated after that owner is built; builders work on fresh copies.
/// </summary>
public sealed class Resources
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string EphemeralStorage = "ephemeral-storage";
    public const string Pods = "pods";

    /// <summary>What the scheduler assumes for a container without a CPU request when scoring (100m).</summary>
    public const long DefaultMilliCpuRequest = 100;

    /// <summary>What the scheduler assumes for a container without a memory request when scoring (200Mi).</summary>
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    public long MilliCpu;
    public long MemoryBytes;
    public long EphemeralBytes;
    public long AllowedPods;
    public Dictionary<string, long>? Scalars;

    public Resources Clone() => new()
    {
        MilliCpu = MilliCpu,
        MemoryBytes = MemoryBytes,
        EphemeralBytes = EphemeralBytes,
        AllowedPods = AllowedPods,
        Scalars = Scalars is null ? null : new Dictionary<string, long>(Scalars, StringComparer.Ordinal),
    };

    public long Scalar(string name) => Scalars is not null && Scalars.TryGetValue(name, out var v) ? v : 0;

    public bool IsZero => MilliCpu == 0 && MemoryBytes == 0 && EphemeralBytes == 0 && (Scalars is null || Scalars.Count == 0);

    public static Resources From(IDictionary<string, ResourceQuantity>? list)
    {
        var r = new Resources();
        r.Add(list);
        return r;
    }

    public void Add(IDictionary<string, ResourceQuantity>? list)
    {
        if (list is null)
        {
            return;
        }
        foreach (var (name, q) in list)
        {
            switch (name)
            {
                case Cpu: MilliCpu += MilliValue(q); break;
                case Memory: MemoryBytes += Value(q); break;
                case EphemeralStorage: EphemeralBytes += Value(q); break;
                case Pods: AllowedPods += Value(q); break;
                default:
                    if (IsScalarResourceName(name))
                    {
                        SetScalar(name, Scalar(name) + Value(q));
                    }
                    break;
            }
        }
    }

    public void Add(Resources other)
    {
        MilliCpu += other.MilliCpu;
        MemoryBytes += other.MemoryBytes;
        EphemeralBytes += other.EphemeralBytes;
        AllowedPods += other.AllowedPods;
        if (other.Scalars is not null)
        {
            foreach (var (k, v) in other.Scalars)
            {
                SetScalar(k, Scalar(k) + v);
            }
        }
    }

    public void Subtract(Resources other)
    {
        MilliCpu -= other.MilliCpu;
        MemoryBytes -= other.MemoryBytes;
        EphemeralBytes -= other.EphemeralBytes;
        AllowedPods -= other.AllowedPods;
        if (other.Scalars is not null)
        {
            foreach (var (k, v) in other.Scalars)
            {
                SetScalar(k, Scalar(k) - v);
            }
        }
    }

    /// <summary>Each amount becomes the larger of this and <paramref name="other"/>.</summary>
    public void SetMax(Resources other)
    {
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        MemoryBytes = Math.Max(MemoryBytes, other.MemoryBytes);
        EphemeralBytes = Math.Max(EphemeralBytes, other.EphemeralBytes);
        if (other.Scalars is not null)
        {
            foreach (var (k, v) in other.Scalars)
            {
                SetScalar(k, Math.Max(Scalar(k), v));
            }
        }
    }

    public void SetScalar(string name, long value)
    {
        Scalars ??= new Dictionary<string, long>(StringComparer.Ordinal);
        Scalars[name] = value;
    }

    /// <summary>
    /// Extended resources (a domain-prefixed name such as <c>example.com/gpu</c>), hugepages and
    /// attachable volumes count as scalars; <c>storage</c> and unknown bare names are ignored.
    /// </summary>
    public static bool IsScalarResourceName(string name) =>
        name.Contains('/', StringComparison.Ordinal) || name.StartsWith("hugepages-", StringComparison.Ordinal);

    /// <summary>Quantity.MilliValue: rounded up to a whole milli-unit.</summary>
    public static long MilliValue(ResourceQuantity q) => (long)Math.Ceiling(q.ToDecimal() * 1000m);

    /// <summary>Quantity.Value: rounded up to a whole unit.</summary>
    public static long Value(ResourceQuantity q) => (long)Math.Ceiling(q.ToDecimal());
}
