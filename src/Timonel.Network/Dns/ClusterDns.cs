using System.Net;
using Timonel.Client.Api;

namespace Timonel.Network.Dns;

/// <summary>
/// Cluster DNS as one component for a host (the agent): the records follow the API, the server
/// listens on <paramref name="listen"/>. <see cref="Ready"/> completes once the first list is in
/// and the sockets are bound, the point from which the node may be published as a kube-dns endpoint.
/// </summary>
public sealed class ClusterDns(ApiConnection api, IPEndPoint listen, ClusterDnsOptions? records = null, ClusterDnsServerOptions? server = null)
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterDnsRecords Records { get; } = new(api, records);

    public Task Ready => _ready.Task;

    /// <summary>Serves until <paramref name="ct"/> is cancelled; a port that cannot be bound fails the task.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var following = Records.RunAsync(ct);
        await using var dns = new ClusterDnsServer(Records, listen, server);
        try
        {
            await Records.FirstBuild.WaitAsync(ct).ConfigureAwait(false);
            dns.Start();
            _ready.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _ready.TrySetCanceled(CancellationToken.None);
            await following.ConfigureAwait(false);
        }
    }
}
