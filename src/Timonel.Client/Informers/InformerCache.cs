using k8s;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Api;

namespace Timonel.Client.Informers;

/// <summary>
/// The informer's store: key ("ns/name") to the latest object, plus indexes from an index value to
/// the objects (by key). All access is under one lock, held also while the informer queues notifications, so
/// handlers see changes in the order the cache took them. Objects are stored as received and
/// handed out shared; nothing here or in callers may change them.
/// </summary>
internal sealed class InformerCache<T> : ILister<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Index> _indexes = new(StringComparer.Ordinal);

    public InformerCache()
    {
        _indexes[Indexes.Namespace] = new Index(o => [o.Metadata.NamespaceProperty ?? ""]);
    }

    /// <summary>Held by the informer around a change and the notifications it causes.</summary>
    public Lock Sync { get; } = new();

    public int Count
    {
        get { lock (Sync) return _items.Count; }
    }

    public void AddIndex(string name, Func<T, IEnumerable<string>> function)
    {
        lock (Sync)
        {
            var index = new Index(function);
            foreach (var (key, obj) in _items)
            {
                index.Add(key, obj);
            }
            _indexes[name] = index;
        }
    }

    /// <summary>Caller holds <see cref="Sync"/>. Returns the previous object, if any.</summary>
    public T? Upsert(string key, T obj)
    {
        var old = _items.GetValueOrDefault(key);
        foreach (var index in _indexes.Values)
        {
            if (old is not null)
            {
                index.Remove(key, old);
            }
            index.Add(key, obj);
        }
        _items[key] = obj;
        return old;
    }

    /// <summary>Caller holds <see cref="Sync"/>.</summary>
    public T? Remove(string key)
    {
        if (!_items.Remove(key, out var old))
        {
            return null;
        }
        foreach (var index in _indexes.Values)
        {
            index.Remove(key, old);
        }
        return old;
    }

    /// <summary>Caller holds <see cref="Sync"/>. A snapshot of the keys and objects.</summary>
    public List<KeyValuePair<string, T>> Snapshot() => [.. _items];

    public T? Get(string? ns, string name)
    {
        var key = string.IsNullOrEmpty(ns) ? name : ns + "/" + name;
        lock (Sync)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public IReadOnlyList<T> List(string? ns = null, LabelSelector? selector = null)
    {
        var filter = selector is null || selector.IsEmpty ? null : selector;
        lock (Sync)
        {
            if (ns is null)
            {
                return filter is null ? new List<T>(_items.Values) : Matching(_items.Values, filter);
            }
            var objects = _indexes[Indexes.Namespace].Objects(ns);
            var result = new List<T>(filter is null ? objects.Count : 0);
            foreach (var obj in objects)
            {
                if (filter is null || filter.Matches(obj.Metadata.Labels))
                {
                    result.Add(obj);
                }
            }
            return result;
        }
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (Sync)
        {
            if (!_indexes.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"no index named {indexName}", nameof(indexName));
            }
            return new List<T>(index.Objects(value));
        }
    }

    private static List<T> Matching(Dictionary<string, T>.ValueCollection objects, LabelSelector selector)
    {
        var result = new List<T>();
        foreach (var obj in objects)
        {
            if (selector.Matches(obj.Metadata.Labels))
            {
                result.Add(obj);
            }
        }
        return result;
    }

    /// <summary>
    /// Index value to the objects (by key) whose function returned it. Holding the objects, not
    /// only their keys, spares a lookup in the items per object read; Upsert removes the old
    /// version before adding the new one, so the objects here are always the current ones.
    /// </summary>
    private sealed class Index(Func<T, IEnumerable<string>> function)
    {
        private static readonly Dictionary<string, T> None = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, T>> _byValue = new(StringComparer.Ordinal);

        public void Add(string key, T obj)
        {
            foreach (var value in function(obj))
            {
                if (value is null)
                {
                    continue;
                }
                if (!_byValue.TryGetValue(value, out var objects))
                {
                    _byValue[value] = objects = new Dictionary<string, T>(StringComparer.Ordinal);
                }
                objects[key] = obj;
            }
        }

        public void Remove(string key, T obj)
        {
            foreach (var value in function(obj))
            {
                if (value is not null && _byValue.TryGetValue(value, out var objects) && objects.Remove(key) && objects.Count == 0)
                {
                    _byValue.Remove(value);
                }
            }
        }

        /// <summary>A live view: read it under the cache lock only.</summary>
        public Dictionary<string, T>.ValueCollection Objects(string value) =>
            (_byValue.TryGetValue(value, out var objects) ? objects : None).Values;
    }

    internal static string KeyOf(T obj) => ResourceTable.KeyOf(obj.Metadata);
}
