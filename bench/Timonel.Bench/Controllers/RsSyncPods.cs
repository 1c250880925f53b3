using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Informers;
using Timonel.Controllers.ReplicaSets;
using Timonel.Controllers.Workloads;

namespace Timonel.Bench.Controllers;

/// <summary>The pod part of ReplicaSetController.SyncAsync, through the controller's own code.</summary>
internal static class RsSyncPods
{
    /// <summary>The index the controller registers on the shared pod informer.</summary>
    public static void Register(InformerCache<V1Pod> cache) => cache.AddIndex(PodControllerIndex.Name, PodControllerIndex.Values);

    public static async Task<V1ReplicaSetStatus> OneSyncAsync(InformerCache<V1Pod> cache, V1ReplicaSet rs, DateTimeOffset now)
    {
        var selector = LabelSelector.FromModel(rs.Spec.Selector);
        // No API connection: every pod is already owned and matching, so nothing is written.
        var (_, counts, error) = await ReplicaSetController.ClaimPodsAsync(null!, cache, rs, selector,
            () => Task.FromResult(false), CancellationToken.None).ConfigureAwait(false);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }
        return ReplicaSetStatusCalculator.Calculate(rs, counts, null, now);
    }
}
