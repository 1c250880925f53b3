namespace Timonel.Storage.Tests.Etcd;

/// <summary>One etcd per test class (xunit class fixture); tests isolate themselves by key prefix.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    private EtcdProcess? _etcd;

    public EtcdProcess Etcd => _etcd ?? throw new InvalidOperationException("etcd not started");

    public async Task InitializeAsync() => _etcd = await EtcdProcess.StartAsync(TimeSpan.FromSeconds(1));

    public async Task DisposeAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }
}
