using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.LeaderElection;

namespace Timonel.Commands;

/// <summary>
/// Runs a control-plane component of `timonel server` either at once (one server: embedded
/// SQLite) or only while this server holds the component's Lease kube-system/NAME (several
/// servers on one etcd), standing again after every lost term until the server stops.
/// </summary>
internal static class Leadership
{
    public static async Task RunAsync(bool elect, string leaseName, ApiConnection api, Func<CancellationToken, Task> lead,
        ILoggerFactory loggers, CancellationToken ct)
    {
        if (!elect)
        {
            await lead(ct);
            return;
        }
        var identity = $"{Environment.MachineName}_{Guid.NewGuid():N}";
        var logger = loggers.CreateLogger("timonel.leader-election");
        while (!ct.IsCancellationRequested)
        {
            var elector = new LeaderElector(
                new LeaderElectionOptions { LeaseNamespace = "kube-system", LeaseName = leaseName, Identity = identity },
                new ApiLeaseStore(api), TimeProvider.System, logger)
            {
                OnStartedLeading = lead,
            };
            try
            {
                await elector.RunAsync(ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // The API did not answer (e.g. etcd unreachable): stand again after a pause.
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
