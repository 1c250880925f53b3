using Timonel.Storage.Etcd;
using Timonel.Storage.Tests.Conformance;

namespace Timonel.Storage.Tests.Etcd;

/// <summary>The conformance suite against a real etcd, one etcd per class, one key prefix per test.</summary>
public sealed class EtcdConformanceTests(EtcdFixture fixture) : KeyValueStoreConformance, IClassFixture<EtcdFixture>
{
    // The store's own KeyPrefix isolates even keys a test writes outside Prefix, and runs the
    // whole suite through the prefix mapping.
    protected override async Task<IKeyValueStore> OpenStoreAsync() =>
        await EtcdStore.OpenAsync(new EtcdStoreOptions
        {
            Endpoints = fixture.Etcd.ClientUrl,
            KeyPrefix = "/conformance-" + Guid.NewGuid().ToString("N"),
        });
}
