namespace Timonel.Client.Events;

/// <summary>
/// Limits how many events one source writes about one object, as upstream recorders do: a token
/// bucket per (source component and host, involved object) holding 25 tokens that refills one
/// token every 5 minutes. A controller creating 10,000 pods for one ReplicaSet thus writes its first
/// 25 events about that ReplicaSet at once, then one per 5 minutes; events about different
/// objects never limit each other. Buckets of the least recently seen keys are forgotten beyond
/// <see cref="Capacity"/> (a forgotten key starts full again). Not thread-safe: one writer uses it.
/// </summary>
internal sealed class EventSpamFilter(TimeProvider time)
{
    public const int Burst = 25;
    public const int Capacity = 4096;
    private static readonly TimeSpan RefillEvery = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, LinkedListNode<Bucket>> _buckets = new(StringComparer.Ordinal);
    private readonly LinkedList<Bucket> _recency = new();

    /// <summary>True when the event may be written (a token was taken).</summary>
    public bool Allow(string key)
    {
        var now = time.GetUtcNow();
        if (_buckets.TryGetValue(key, out var node))
        {
            _recency.Remove(node);
            _recency.AddFirst(node);
        }
        else
        {
            node = _recency.AddFirst(new Bucket(key, Burst, now));
            _buckets[key] = node;
            if (_buckets.Count > Capacity)
            {
                _buckets.Remove(_recency.Last!.Value.Key);
                _recency.RemoveLast();
            }
        }
        var bucket = node.Value;
        var refilled = Math.Min(Burst, bucket.Tokens + (now - bucket.Since) / RefillEvery);
        if (refilled < 1)
        {
            node.Value = bucket with { Tokens = refilled, Since = now };
            return false;
        }
        node.Value = bucket with { Tokens = refilled - 1, Since = now };
        return true;
    }

    /// <summary>The key: who records and about which object (not the reason or message).</summary>
    public static string KeyOf(k8s.Models.Corev1Event e) => string.Join('\0', e.Source?.Component, e.Source?.Host,
        e.InvolvedObject.Kind, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Name, e.InvolvedObject.Uid, e.InvolvedObject.ApiVersion);

    private sealed record Bucket(string Key, double Tokens, DateTimeOffset Since);
}
