using Timonel.ApiServer.Security;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// Upstream's check of a service account token beyond its signature: the service account still
/// exists with the uid the token names and, for a token bound to a pod, so does that pod. A
/// deleted and re-created account or pod (same name, new uid) does not revive old tokens. Reads
/// go to the watch caches (one lookup per request); a miss is confirmed against the store, since
/// a cache may lag a create by a moment.
/// </summary>
public sealed class ServiceAccountTokenBindings(ApiContext api)
{
    public async ValueTask<bool> StillValidAsync(ServiceAccountSubject subject, CancellationToken ct) =>
        await ExistsAsync("serviceaccounts", subject.Namespace, subject.Name, subject.Uid, ct)
        && (subject.PodName is null || await ExistsAsync("pods", subject.Namespace, subject.PodName, subject.PodUid, ct));

    private async ValueTask<bool> ExistsAsync(string plural, string ns, string name, string? uid, CancellationToken ct)
    {
        var store = api.StoreFor(api.Registry.Find("", "v1", plural)!);
        var cache = api.CacheFor(store.Resource);
        await cache.ReadyAsync(ct);
        var found = cache.TryGet(store.Key(ns, name))?.Parse();
        if (found is null || !SameUid(found))
        {
            (found, _) = await store.GetAsync(ns, name, ct);
        }
        return found is not null && SameUid(found);

        bool SameUid(System.Text.Json.Nodes.JsonObject obj) => string.IsNullOrEmpty(uid) || ObjectMeta.Uid(obj) == uid;
    }
}
