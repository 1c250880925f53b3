using k8s;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Api;

namespace Timonel.Client.Informers;

/// <summary>
/// The informer's store: key ("ns/name") to the latest object, plus indexes from an index value to
/// keys. All access is under one lock, held also while the informer queues notifications, so
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
        lock (Sync)
        {
            IEnumerable<T> source = ns is null
                ? _items.Values
                : _indexes[Indexes.Namespace].Keys(ns).Select(k => _items[k]);
            return selector is null || selector.IsEmpty
                ? source.ToList()
                : source.Where(o => selector.Matches(o.Metadata.Labels)).ToList();
        }
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (Sync)
        {
            return _indexes.TryGetValue(indexName, out var index)
                ? index.Keys(value).Select(k => _items[k]).ToList()
                : throw new ArgumentException($"no index named {indexName}", nameof(indexName));
        }
    }

    private sealed class Index(Func<T, IEnumerable<string>> function)
    {
        private readonly Dictionary<string, HashSet<string>> _keysByValue = new(StringComparer.Ordinal);

        public void Add(string key, T obj)
        {
            foreach (var value in function(obj))
            {
                if (value is null)
                {
                    continue;
                }
                if (!_keysByValue.TryGetValue(value, out var keys))
                {
                    _keysByValue[value] = keys = new HashSet<string>(StringComparer.Ordinal);
                }
                keys.Add(key);
            }
        }

        public void Remove(string key, T obj)
        {
            foreach (var value in function(obj))
            {
                if (value is not null && _keysByValue.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    _keysByValue.Remove(value);
                }
            }
        }

        public IEnumerable<string> Keys(string value) =>
            _keysByValue.TryGetValue(value, out var keys) ? keys : [];
    }

    internal static string KeyOf(T obj) => ResourceTable.KeyOf(obj.Metadata);
}
