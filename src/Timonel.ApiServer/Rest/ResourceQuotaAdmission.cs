using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Quota;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// Upstream's ResourceQuota admission for creates: every quota of the namespace whose scopes take
/// the object in and whose hard limits name something it uses (<see cref="QuotaUsage"/>) must have
/// room for it, or the create is forbidden with upstream's words; a pod must set each compute
/// resource such a quota limits. The usage is then charged to the quotas' status.used (a guaranteed
/// update, checked again against the stored usage), so concurrent creates cannot overrun a quota.
/// The quota controller recomputes the usage from the objects (deletes give room back). A quota
/// created a moment ago, whose status the controller has not written yet, is waited for up to
/// <see cref="StatusWait"/> where controllers run (upstream refuses at once: "status unknown").
/// </summary>
public static class ResourceQuotaAdmission
{
    public static async Task<ApiError?> AdmitCreateAsync(ApiContext api, JsonObject obj, ResourceInfo resource, bool dryRun, CancellationToken ct)
    {
        if (!resource.Namespaced)
        {
            return null;
        }
        var ns = ObjectMeta.Namespace(obj) ?? "default";
        var quotas = api.StoreFor(api.Registry.Find("", "v1", "resourcequotas")!);
        var (cached, _) = await api.CacheFor(quotas.Resource).SnapshotAsync(quotas.Prefix(ns), ct);
        if (cached.Count == 0)
        {
            return null;
        }
        var typed = Typed(obj, resource);
        var usage = QuotaUsage.Of(resource.Group, resource.Plural, typed);
        var what = $"{resource.Plural} \"{ObjectMeta.Name(obj)}\" is forbidden";
        var charges = new List<(string Quota, Dictionary<string, decimal> Delta)>();
        foreach (var stored in cached.Select(QuotaOf))
        {
            var quota = stored;
            var hard = quota.Spec?.Hard;
            if (hard is not { Count: > 0 } || !QuotaUsage.InScope(quota, typed))
            {
                continue;
            }
            if (typed is V1Pod pod && QuotaUsage.Unspecified(pod, hard.Keys).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } unset)
            {
                return ApiError.Forbidden($"{what}: failed quota: {quota.Metadata.Name}: must specify {string.Join(",", unset)}");
            }
            var delta = usage.Where(u => hard.ContainsKey(u.Key)).ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal);
            if (delta.Count == 0)
            {
                continue;
            }
            if (quota.Status?.Hard is null && api.Options.ControllersRun)
            {
                // Created a moment ago (say, in the same manifest): the controller publishes its status at once.
                quota = await WaitForStatusAsync(api, quotas, ns, quota, ct);
            }
            if (quota.Status?.Hard is null)
            {
                return ApiError.Forbidden($"{what}: status unknown for quota: {quota.Metadata.Name}, resources: {string.Join(",", delta.Keys.Order(StringComparer.Ordinal))}");
            }
            var used = delta.Keys.ToDictionary(k => k, k => QuotaUsage.Value(UsedOf(quota, k)), StringComparer.Ordinal);
            if (Exceeded(quota.Metadata.Name, hard, used, delta) is { } exceeded)
            {
                return ApiError.Forbidden($"{what}: {exceeded}");
            }
            charges.Add((quota.Metadata.Name, delta));
        }
        if (dryRun)
        {
            return null;
        }
        foreach (var (name, delta) in charges)
        {
            string? refused = null;
            var outcome = await quotas.GuaranteedUpdateAsync(ns, name, current =>
            {
                var quota = KubernetesJson.Deserialize<V1ResourceQuota>(current.ToJsonString());
                var used = delta.Keys.ToDictionary(k => k, k => QuotaUsage.Value(UsedOf(quota, k)), StringComparer.Ordinal);
                refused = Exceeded(name, quota.Spec?.Hard ?? new Dictionary<string, ResourceQuantity>(), used, delta);
                if (refused is not null)
                {
                    return (current, null);
                }
                // A changed copy: the store writes only what differs from the object it read.
                var charged = (JsonObject)current.DeepClone();
                var status = charged["status"] as JsonObject ?? [];
                var usedJson = status["used"] as JsonObject ?? [];
                foreach (var (key, value) in delta)
                {
                    usedJson[key] = QuotaUsage.Format(key, used[key] + value);
                }
                status["used"] = usedJson;
                charged["status"] = status;
                return (charged, null);
            }, ct);
            if (refused is not null)
            {
                return ApiError.Forbidden($"{what}: {refused}");
            }
            if (outcome.Error is not null && outcome.Error.Code != 404)
            {
                return outcome.Error;
            }
        }
        return null;
    }

    /// <summary>How long a create waits for a new quota's first status before it is refused as unknown.</summary>
    public static readonly TimeSpan StatusWait = TimeSpan.FromSeconds(2);

    private static async Task<V1ResourceQuota> WaitForStatusAsync(ApiContext api, ObjectStore quotas, string ns, V1ResourceQuota quota, CancellationToken ct)
    {
        var published = await api.CacheFor(quotas.Resource).WaitForAsync(
            quotas.Key(ns, quota.Metadata.Name), c => QuotaOf(c).Status?.Hard is not null, StatusWait, ct);
        return published is null ? quota : QuotaOf(published);
    }

    private static V1ResourceQuota QuotaOf(CachedObject cached) =>
        KubernetesJson.Deserialize<V1ResourceQuota>(System.Text.Encoding.UTF8.GetString(cached.ToJson()));

    private static ResourceQuantity? UsedOf(V1ResourceQuota quota, string key) =>
        quota.Status?.Used is { } used && used.TryGetValue(key, out var value) ? value : null;

    /// <summary>Upstream's message naming what would go over the limit, or null when all fits.</summary>
    private static string? Exceeded(string quota, IDictionary<string, ResourceQuantity> hard, Dictionary<string, decimal> used, Dictionary<string, decimal> delta)
    {
        var over = delta.Keys
            .Where(k => hard.TryGetValue(k, out var limit) && used[k] + delta[k] > QuotaUsage.Value(limit))
            .Order(StringComparer.Ordinal).ToList();
        if (over.Count == 0)
        {
            return null;
        }
        string List(Func<string, string> value) => string.Join(",", over.Select(k => $"{k}={value(k)}"));
        return $"exceeded quota: {quota}, requested: {List(k => QuotaUsage.Format(k, delta[k]))}, used: {List(k => QuotaUsage.Format(k, used[k]))}, limited: {List(k => hard[k].ToString())}";
    }

    /// <summary>The typed model the usage of a pod, Service or claim is read from; other objects only count.</summary>
    private static object Typed(JsonObject obj, ResourceInfo resource) => resource.Group.Length != 0 ? obj : resource.Kind switch
    {
        "Pod" => KubernetesJson.Deserialize<V1Pod>(obj.ToJsonString()),
        "Service" => KubernetesJson.Deserialize<V1Service>(obj.ToJsonString()),
        "PersistentVolumeClaim" => KubernetesJson.Deserialize<V1PersistentVolumeClaim>(obj.ToJsonString()),
        _ => obj,
    };
}
