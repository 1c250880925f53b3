using Timonel.Client.Api;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.PodParts;

/// <summary>
/// A real API server (own process, own data dir) and a <see cref="ContainerdNode"/>, for tests of
/// the pod parts (environment, volumes, container settings) against real objects and containers.
/// </summary>
public sealed class PodPartsNode : IAsyncLifetime
{
    public ContainerdNode Node { get; } = new();

    public ServerProcess Server { get; private set; } = null!;

    public ApiConnection Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartNewAsync();
        Api = ApiConnection.FromKubeconfig(Server.Kubeconfig);
        await Node.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Node.DisposeAsync();
        }
        finally
        {
            Api?.Dispose();
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
        }
    }
}
