using System.Text;

namespace Timonel.Storage.Tests.Conformance;

/// <summary>
/// The behaviour every <see cref="IKeyValueStore"/> backend must show, written once and run against
/// each backend by a derived class that only says how to open a fresh, empty store.
/// </summary>
public abstract class KeyValueStoreConformance : IAsyncLifetime
{
    private IKeyValueStore? _store;

    /// <summary>The store under test, fresh and empty for each test.</summary>
    protected IKeyValueStore Store => _store ?? throw new InvalidOperationException("store not open");

    /// <summary>
    /// Every key a test uses starts with this, so tests may share one store (a shared etcd) and
    /// must not assume the store is empty or that revisions start anywhere in particular.
    /// </summary>
    protected string Prefix { get; set; } = "/t-" + Guid.NewGuid().ToString("N") + "/";

    /// <summary>Opens a new, empty store of the backend under test.</summary>
    protected abstract Task<IKeyValueStore> OpenStoreAsync();

    public async Task InitializeAsync() => _store = await OpenStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    protected static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    protected static string Text(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);

    [Fact]
    public async Task Create_then_get_returns_the_value_with_its_revisions()
    {
        var created = await Store.CreateAsync("/registry/a", Bytes("one"));
        Assert.Equal(WriteStatus.Ok, created.Status);
        var got = await Store.GetAsync("/registry/a");
        Assert.NotNull(got.Item);
        Assert.Equal("one", Text(got.Item));
        Assert.Equal(created.Revision, got.Item.CreateRevision);
        Assert.Equal(created.Revision, got.Item.ModRevision);
    }
}
