using Timonel.Storage;
using Timonel.Storage.Etcd;
using Timonel.Storage.Sqlite;
using Timonel.Storage.Tests.Etcd;

namespace Timonel.Bench.Storage;

/// <summary>A store under benchmark and everything it needs (temp folder, private etcd), removed on dispose.</summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private readonly Func<ValueTask> _cleanup;

    private BenchStore(string backend, IKeyValueStore store, Func<ValueTask> cleanup)
    {
        Backend = backend;
        Store = store;
        _cleanup = cleanup;
    }

    public string Backend { get; }

    public IKeyValueStore Store { get; }

    public static Task<BenchStore> OpenAsync(string backend) => backend switch
    {
        "sqlite" => OpenSqliteAsync(),
        "etcd" => OpenEtcdAsync(),
        _ => throw new ArgumentException($"unknown backend '{backend}' (sqlite or etcd)"),
    };

    private static async Task<BenchStore> OpenSqliteAsync()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-bench-sqlite-").FullName;
        try
        {
            var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "state.db") });
            return new BenchStore("sqlite", store, async () =>
            {
                await store.DisposeAsync();
                Directory.Delete(dir, recursive: true);
            });
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    private static async Task<BenchStore> OpenEtcdAsync()
    {
        var etcd = await EtcdProcess.StartAsync();
        try
        {
            var store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = etcd.ClientUrl });
            return new BenchStore("etcd", store, async () =>
            {
                await store.DisposeAsync();
                await etcd.DisposeAsync();
            });
        }
        catch
        {
            await etcd.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _cleanup();
}
