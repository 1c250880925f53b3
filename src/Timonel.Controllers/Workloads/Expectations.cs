namespace Timonel.Controllers.Workloads;

/// <summary>
/// What a controller is waiting to see in its informer after its own writes (upstream's
/// ControllerExpectations): a count of pod creations and the keys of pods it asked to delete.
/// A controller syncs its object's pods only when nothing is outstanding, so a sync that runs
/// before the watch delivered its creations never creates the same pods twice. Expectations
/// expire after <see cref="Ttl"/> so a lost watch event can never wedge a controller.
/// Thread-safe: handlers observe while workers expect.
/// </summary>
public sealed class Expectations(TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private sealed class Record
    {
        public int Adds;
        public HashSet<string> Deletes { get; } = new(StringComparer.Ordinal);
        public DateTimeOffset SetAt;
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);

    /// <summary>True when no record exists, every expected event was seen, or the record expired.</summary>
    public bool Satisfied(string controllerKey)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(controllerKey, out var r))
            {
                return true;
            }
            return (r.Adds <= 0 && r.Deletes.Count == 0) || time.GetUtcNow() - r.SetAt > Ttl;
        }
    }

    public void ExpectCreations(string controllerKey, int count)
    {
        lock (_lock)
        {
            var r = Fresh(controllerKey);
            r.Adds = count;
        }
    }

    public void ExpectDeletions(string controllerKey, IEnumerable<string> podKeys)
    {
        lock (_lock)
        {
            var r = Fresh(controllerKey);
            r.Deletes.UnionWith(podKeys);
        }
    }

    /// <summary>A pod of this controller appeared (or a creation failed and will never appear).</summary>
    public void CreationObserved(string controllerKey)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(controllerKey, out var r))
            {
                r.Adds--;
            }
        }
    }

    /// <summary>A pod went away or began terminating; seen twice (deleting, then deleted) counts once.</summary>
    public void DeletionObserved(string controllerKey, string podKey)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(controllerKey, out var r))
            {
                r.Deletes.Remove(podKey);
            }
        }
    }

    public void Forget(string controllerKey)
    {
        lock (_lock)
        {
            _records.Remove(controllerKey);
        }
    }

    private Record Fresh(string key)
    {
        var r = new Record { SetAt = time.GetUtcNow() };
        _records[key] = r;
        return r;
    }
}
