using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Kubelet.Simulated;

/// <summary>
/// A fleet of simulated nodes (like kwok): registers N Node objects marked
/// <c>timonel.io/simulated=true</c>, keeps their Leases and Ready condition fresh, and moves pods
/// bound to them to Running (and deletes them when asked). It runs no container. For scale tests
/// and benchmarks only; a user's `timonel agent` runs real containers.
/// </summary>
public sealed class SimulatedFleet(ApiConnection api, SimulatedNodeOptions options, ILoggerFactory loggers)
{
    private const int RegistrationConcurrency = 16;
    private readonly ILogger _logger = loggers.CreateLogger("timonel.simulated");

    public IReadOnlyList<string> NodeNames { get; } = Enumerable.Range(0, options.Nodes).Select(i => SimulatedNodes.NameOf(options, i)).ToList();

    public async Task RunAsync(CancellationToken ct)
    {
        var uids = new string[options.Nodes];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Nodes), new ParallelOptions { MaxDegreeOfParallelism = RegistrationConcurrency, CancellationToken = ct },
            async (i, token) =>
            {
                var node = await SimulatedNodes.RegisterAsync(api, options, i, token);
                uids[i] = node.Metadata.Uid;
                await RenewLeaseAsync(i, node.Metadata.Uid, token);
            });
        SimulatedLog.Registered(_logger, options.Nodes, options.NamePrefix);

        var ours = new HashSet<string>(NodeNames, StringComparer.Ordinal);
        await using var informers = new SharedInformerFactory(api, options.Time, loggers);
        var pods = new SimulatedPods(api, informers, ours.Contains, options.Time, loggers.CreateLogger("timonel.simulated.pods"));
        informers.Start();
        await Task.WhenAll(
            pods.RunAsync(8, pods.CacheSyncs, ct),
            RenewLeasesAsync(uids, ct),
            HeartbeatAsync(ct));
    }

    /// <summary>Renews every Lease once per interval, spread evenly over it.</summary>
    private async Task RenewLeasesAsync(string[] uids, CancellationToken ct)
    {
        var gap = options.LeaseRenewInterval / Math.Max(1, options.Nodes);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var round = options.Time.GetUtcNow();
                for (var i = 0; i < uids.Length; i++)
                {
                    await RenewLeaseAsync(i, uids[i], ct);
                    var due = round + (gap * (i + 1));
                    var wait = due - options.Time.GetUtcNow();
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, options.Time, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RenewLeaseAsync(int index, string nodeUid, CancellationToken ct)
    {
        var name = SimulatedNodes.NameOf(options, index);
        var now = options.Time.GetUtcNow().UtcDateTime;
        var renewTime = now.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var patched = await api.PatchAsync<V1Lease>("kube-node-lease", name, PatchType.Merge, $"{{\"spec\":{{\"renewTime\":\"{renewTime}\",\"holderIdentity\":\"{name}\"}}}}", ct: ct);
        if (patched.IsNotFound)
        {
            await api.CreateAsync(SimulatedNodes.Lease(name, nodeUid, now), ct);
        }
    }

    /// <summary>
    /// Refreshes the nodes' conditions (heartbeat times) once per status interval, spread evenly
    /// over it like the Leases: a burst of N status patches would reach every node watcher (the
    /// scheduler re-queues unschedulable pods on each node update) all at once.
    /// </summary>
    private async Task HeartbeatAsync(CancellationToken ct)
    {
        var gap = options.StatusInterval / Math.Max(1, options.Nodes);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var round = options.Time.GetUtcNow();
                for (var i = 0; i < NodeNames.Count; i++)
                {
                    var due = round + (gap * (i + 1));
                    var wait = due - options.Time.GetUtcNow();
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, options.Time, ct);
                    var conditions = System.Text.Json.JsonSerializer.Serialize(new { status = new { conditions = SimulatedNodes.Conditions(options.Time.GetUtcNow().UtcDateTime).Select(c => new { type = c.Type, status = c.Status, reason = c.Reason, message = c.Message, lastHeartbeatTime = c.LastHeartbeatTime, lastTransitionTime = c.LastTransitionTime }) } });
                    await api.PatchAsync<V1Node>(null, NodeNames[i], PatchType.StrategicMerge, conditions, subresource: "status", ct: ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}

internal static partial class SimulatedLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "registered {Count} simulated nodes ({Prefix}0...)")]
    public static partial void Registered(ILogger logger, int count, string prefix);
}
