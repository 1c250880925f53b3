using System.Text;

namespace Timonel.Storage.Tests.Conformance;

/// <summary>
/// The behaviour every <see cref="IKeyValueStore"/> backend must show, written once and run against
/// each backend by a derived class that only says how to open a store.
/// </summary>
/// <remarks>
/// A backend may share one store between the tests of a class (etcd does), so every test keeps its
/// keys under <see cref="Prefix"/> and only asserts revisions relative to its own writes, never
/// absolute numbers or an empty store. Derived classes must make progress notifications of idle
/// watches arrive within a few seconds.
/// </remarks>
public abstract partial class KeyValueStoreConformance : IAsyncLifetime
{
    /// <summary>A guard against hangs, not a speed assertion.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private IKeyValueStore? _store;

    /// <summary>The store under test.</summary>
    protected IKeyValueStore Store => _store ?? throw new InvalidOperationException("store not open");

    /// <summary>The key prefix owned by the running test; every key a test writes starts with it.</summary>
    protected string Prefix { get; set; } = $"/t-{Guid.NewGuid():N}/";

    /// <summary>Opens the store of the backend under test (fresh, or shared with isolation by <see cref="Prefix"/>).</summary>
    protected abstract Task<IKeyValueStore> OpenStoreAsync();

    /// <summary>Closes the store opened by <see cref="OpenStoreAsync"/>; a shared store may stay open.</summary>
    protected virtual ValueTask CloseStoreAsync(IKeyValueStore store) => store.DisposeAsync();

    public async Task InitializeAsync() => _store = await OpenStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await CloseStoreAsync(_store);
        }
    }

    protected string K(string name) => Prefix + name;

    protected static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    protected static string Text(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);

    protected async Task<WriteResult> MustCreateAsync(string key, string value)
    {
        var result = await Store.CreateAsync(key, Bytes(value));
        Assert.Equal(WriteStatus.Ok, result.Status);
        return result;
    }

    /// <summary>The next <paramref name="count"/> non-progress events of a watch.</summary>
    protected static async Task<List<WatchEvent>> TakeAsync(IAsyncEnumerator<WatchEvent> watch, int count)
    {
        var events = new List<WatchEvent>();
        while (events.Count < count)
        {
            Assert.True(await watch.MoveNextAsync(), $"watch ended after {events.Count} of {count} events");
            if (watch.Current.Type != WatchEventType.Progress)
            {
                events.Add(watch.Current);
            }
        }
        return events;
    }
}
