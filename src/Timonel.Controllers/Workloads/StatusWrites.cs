using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Workloads;

/// <summary>A controller's status write: only when the computed status differs from the one the object shows.</summary>
internal static class StatusWrites
{
    /// <summary>
    /// Writes <paramref name="status"/> into a copy of <paramref name="obj"/> through the status
    /// subresource when its JSON differs from the current status (none counts as an empty one);
    /// returns the failure to report, or null when written or unchanged.
    /// </summary>
    public static async Task<string?> WriteIfChangedAsync<T, TStatus>(ApiConnection api, T obj, TStatus status,
        Func<T, TStatus?> current, Action<T, TStatus> set, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class, new()
    {
        if (KubernetesJson.Serialize(status) == KubernetesJson.Serialize(current(obj) ?? new TStatus()))
        {
            return null;
        }
        var update = ObjectCopy.Clone(obj);
        set(update, status);
        var written = await api.UpdateStatusAsync(update, ct);
        return written.Ok ? null : $"write status: {written}";
    }
}
