using System.Globalization;
using k8s;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

internal sealed partial class PodSync
{
    /// <summary>
    /// PUT of pods/status when the status differs from the one the API has (or the one this
    /// worker last wrote, while the informer has not caught up). The write is conditional on the
    /// newest resourceVersion known; a conflict means the pod changed meanwhile, and the informer's
    /// update triggers the next sync. With the API server down the write throws and the next sync
    /// tries again; containers are not affected. True when the API has this status now (or the pod is gone).
    /// </summary>
    private async Task<bool> WriteStatusAsync(PodWorker worker, V1Pod pod, V1PodStatus status, SyncNotes notes, CancellationToken ct)
    {
        var json = KubernetesJson.Serialize(status);
        var cached = pod.Status is null ? "" : KubernetesJson.Serialize(pod.Status);
        var cachedVersion = pod.Metadata.ResourceVersion;
        if (json == cached || (json == worker.LastWrittenStatus && !IsNewer(cachedVersion, worker.LastWrittenVersion)))
        {
            return true;
        }
        var version = IsNewer(worker.LastWrittenVersion, cachedVersion) ? worker.LastWrittenVersion : cachedVersion;
        var update = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = pod.Metadata.Name,
                NamespaceProperty = pod.Metadata.NamespaceProperty,
                Uid = pod.Metadata.Uid,
                ResourceVersion = version,
            },
            Spec = pod.Spec,
            Status = status,
        };
        var result = await _api.UpdateStatusAsync(update, ct).ConfigureAwait(false);
        if (result.Ok)
        {
            worker.LastWrittenStatus = json;
            worker.LastWrittenVersion = result.Value?.Metadata?.ResourceVersion;
            PodWorkerLog.StatusWritten(_logger, pod.Metadata.Name, status.Phase, worker.LastWrittenVersion);
            return true;
        }
        if (result.IsNotFound)
        {
            return true; // Deleted meanwhile: the informer's delete ends the worker.
        }
        if (!result.IsConflict)
        {
            PodWorkerLog.StatusWriteFailed(_logger, pod.Metadata.Name, result.ToString());
        }
        notes.SyncWithin(TimeSpan.FromSeconds(1));
        return false;
    }

    /// <summary>Whether revision a is newer than b (revisions of this server are integers; anything else is never newer).</summary>
    private static bool IsNewer(string? a, string? b) =>
        long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x)
        && (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y) || x > y);
}
