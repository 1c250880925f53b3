using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Informers;
using Timonel.Controllers.Endpoints;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.DaemonSets;

/// <summary>
/// The template history of a DaemonSet as apps/v1 ControllerRevisions: one per distinct
/// template, named "&lt;ds&gt;-&lt;hash&gt;", whose data is the patch that restores that template and
/// whose revision number orders them (the current one has the highest). Pods carry the hash in
/// the controller-revision-hash label, which is how a rollout tells new pods from old.
/// </summary>
internal static class DaemonRevisions
{
    public const string HashLabel = "controller-revision-hash";
    public const string TemplateGenerationLabel = "pod-template-generation";
    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>A short, label-safe hash of the template (FNV-1a 32 over its JSON, plus the collision count).</summary>
    public static string HashOf(V1PodTemplateSpec template, int? collisionCount)
    {
        var text = KubernetesJson.Serialize(template) + (collisionCount is { } c ? c.ToString(CultureInfo.InvariantCulture) : "");
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        return string.Concat(digits.Select(d => SafeAlphabet[d % SafeAlphabet.Length]));
    }

    public static IReadOnlyList<V1ControllerRevision> Owned(V1DaemonSet ds, ILister<V1ControllerRevision> revisions) =>
        revisions.List(ds.Metadata.NamespaceProperty, LabelSelector.FromModel(ds.Spec.Selector))
            .Where(r => OwnerRefs.ControllerOf(r.Metadata)?.Uid == ds.Metadata.Uid)
            .ToList();

    /// <summary>
    /// Makes sure the current template has a revision with the highest number; returns its hash.
    /// An expected failure (a write conflict) is returned as an error to retry.
    /// </summary>
    public static async Task<(string? Hash, string? Error)> EnsureCurrentAsync(ApiConnection api, V1DaemonSet ds,
        IReadOnlyList<V1ControllerRevision> owned, CancellationToken ct)
    {
        var hash = HashOf(ds.Spec.Template, ds.Status?.CollisionCount);
        var name = $"{ds.Metadata.Name}-{hash}";
        var max = owned.Count == 0 ? 0 : owned.Max(r => r.Revision);
        var existing = owned.FirstOrDefault(r => r.Metadata.Name == name);
        if (existing is not null)
        {
            if (existing.Revision == max && owned.Count(r => r.Revision == max) == 1)
            {
                return (hash, null);
            }
            // Rolled back to an older template: it becomes the newest revision again.
            var bumped = ObjectCopy.Clone(existing);
            bumped.Revision = max + 1;
            var updated = await api.UpdateAsync(bumped, ct);
            return updated.Ok ? (hash, null) : (null, $"renumber revision {name}: {updated}");
        }
        var template = JsonNode.Parse(KubernetesJson.Serialize(ds.Spec.Template))!.AsObject();
        template["$patch"] = "replace";
        var labels = new Dictionary<string, string>(ds.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [HashLabel] = hash,
        };
        var created = await api.CreateAsync(new V1ControllerRevision
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ds.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [OwnerRefs.NewControllerRef(ds, "apps/v1", "DaemonSet")],
            },
            Data = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } },
            Revision = max + 1,
        }, ct);
        // AlreadyExists: created by an earlier sync whose result the cache has not shown yet.
        return created.Ok || created.IsAlreadyExists ? (hash, null) : (null, $"create revision {name}: {created}");
    }

    /// <summary>Deletes the oldest revisions past revisionHistoryLimit that no live pod still uses.</summary>
    public static async Task CleanUpAsync(ApiConnection api, V1DaemonSet ds, IReadOnlyList<V1ControllerRevision> owned,
        string currentHash, IEnumerable<V1Pod> pods, CancellationToken ct)
    {
        var limit = ds.Spec.RevisionHistoryLimit ?? 10;
        var inUse = pods.Select(p => p.Metadata.Labels?.TryGetValue(HashLabel, out var h) == true ? h : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var old = owned.Where(r => r.Metadata.Name != $"{ds.Metadata.Name}-{currentHash}" &&
            !(r.Metadata.Labels?.TryGetValue(HashLabel, out var h) == true && inUse.Contains(h))).OrderBy(r => r.Revision).ToList();
        foreach (var revision in old.Take(Math.Max(0, old.Count - limit)))
        {
            await api.DeleteAsync<V1ControllerRevision>(revision.Metadata.NamespaceProperty, revision.Metadata.Name, preconditionUid: revision.Metadata.Uid, ct: ct);
        }
    }
}
