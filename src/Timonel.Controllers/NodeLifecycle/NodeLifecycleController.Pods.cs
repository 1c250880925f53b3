using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.NodeLifecycle;

public sealed partial class NodeLifecycleController
{
    private const string PodsByNode = "nodelifecycle-pods-by-node";

    /// <summary>
    /// The pods of a node whose kubelet went silent (Ready Unknown) get Ready=False, as upstream's
    /// MarkPodsNotReady does: nobody else can report that they may be gone, and without it the
    /// EndpointSlice controller would keep them in Services until their eviction (the NoExecute
    /// toleration, 300 s by default), sending traffic into a dead node. A node that reports False
    /// still has a kubelet that writes its pods' status, so it is left alone. A kubelet that comes
    /// back writes its own view again (its status then differs from the API's). Terminal pods and
    /// pods already not ready need no write.
    /// </summary>
    private async Task<SyncResult> MarkPodsNotReadyAsync(string nodeName, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var cached in _pods.Lister.ByIndex(PodsByNode, nodeName))
        {
            if (cached.Status is not { Phase: not ("Succeeded" or "Failed") } status
                || status.Conditions?.FirstOrDefault(c => c.Type == "Ready") is not { Status: "True" })
            {
                continue;
            }
            var pod = ObjectCopy.Clone(cached);
            var ready = pod.Status.Conditions.First(c => c.Type == "Ready");
            ready.Status = "False";
            ready.LastTransitionTime = now.UtcDateTime;
            var result = await _context.Api.UpdateStatusAsync(pod, ct).ConfigureAwait(false);
            if (!result.Ok && !result.IsNotFound)
            {
                // A conflict means the pod changed meanwhile: the retry reads the newer one.
                return SyncResult.Failed($"marking pod {cached.Metadata.NamespaceProperty}/{cached.Metadata.Name} on {nodeName} not ready: {result}");
            }
            NodeLifecycleLog.PodNotReady(Logger, cached.Metadata.NamespaceProperty, cached.Metadata.Name, nodeName);
        }
        return SyncResult.Done;
    }
}
