using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Workloads;

/// <summary>What owns a template history: a DaemonSet or a StatefulSet, as its revisions need it.</summary>
internal sealed record RevisionOwner(V1ObjectMeta Metadata, string Kind, V1PodTemplateSpec Template, V1LabelSelector Selector,
    int? CollisionCount, int? RevisionHistoryLimit)
{
    public static RevisionOwner Of(V1DaemonSet ds) =>
        new(ds.Metadata, "DaemonSet", ds.Spec.Template, ds.Spec.Selector, ds.Status?.CollisionCount, ds.Spec.RevisionHistoryLimit);

    public static RevisionOwner Of(V1StatefulSet sts) =>
        new(sts.Metadata, "StatefulSet", sts.Spec.Template, sts.Spec.Selector, sts.Status?.CollisionCount, sts.Spec.RevisionHistoryLimit);
}

/// <summary>
/// The template history of a DaemonSet or StatefulSet as apps/v1 ControllerRevisions: one per distinct
/// template, named "&lt;owner&gt;-&lt;hash&gt;", whose data is the patch that restores that template and
/// whose revision number orders them (the current one has the highest). Pods carry the hash
/// (DaemonSet) or the revision's name (StatefulSet) in the controller-revision-hash label, which is
/// how a rollout tells new pods from old.
/// </summary>
internal static class TemplateRevisions
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

    public static IReadOnlyList<V1ControllerRevision> Owned(RevisionOwner ds, ILister<V1ControllerRevision> revisions) =>
        revisions.List(ds.Metadata.NamespaceProperty, LabelSelector.FromModel(ds.Selector))
            .Where(r => OwnerRefs.ControllerOf(r.Metadata)?.Uid == ds.Metadata.Uid)
            .ToList();

    /// <summary>
    /// Makes sure the current template has a revision with the highest number; returns its hash.
    /// An expected failure (a write conflict) is returned as an error to retry.
    /// </summary>
    public static async Task<(string? Hash, string? Error)> EnsureCurrentAsync(ApiConnection api, RevisionOwner ds,
        IReadOnlyList<V1ControllerRevision> owned, CancellationToken ct)
    {
        var hash = HashOf(ds.Template, ds.CollisionCount);
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
        var template = JsonNode.Parse(KubernetesJson.Serialize(ds.Template))!.AsObject();
        template["$patch"] = "replace";
        var labels = new Dictionary<string, string>(ds.Template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
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
                OwnerReferences = [OwnerRefs.NewControllerRef(ds.Metadata, "apps/v1", ds.Kind)],
            },
            Data = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } },
            Revision = max + 1,
        }, ct);
        // AlreadyExists: created by an earlier sync whose result the cache has not shown yet.
        return created.Ok || created.IsAlreadyExists ? (hash, null) : (null, $"create revision {name}: {created}");
    }

    /// <summary>The pod template a revision recorded, or null when its data holds none.</summary>
    public static V1PodTemplateSpec? TemplateOf(V1ControllerRevision revision)
    {
        if (revision.Data is null || JsonNode.Parse(KubernetesJson.Serialize(revision.Data))?["spec"]?["template"] is not JsonObject template)
        {
            return null;
        }
        template.Remove("$patch");
        return KubernetesJson.Deserialize<V1PodTemplateSpec>(template.ToJsonString());
    }

    /// <summary>Deletes the oldest revisions past revisionHistoryLimit that no live pod still uses.</summary>
    public static async Task CleanUpAsync(ApiConnection api, RevisionOwner ds, IReadOnlyList<V1ControllerRevision> owned,
        string currentHash, IEnumerable<V1Pod> pods, CancellationToken ct)
    {
        var limit = ds.RevisionHistoryLimit ?? 10;
        // A DaemonSet's pods carry the hash, a StatefulSet's the revision's whole name.
        var inUse = pods.Select(p => p.Metadata.Labels?.TryGetValue(HashLabel, out var h) == true ? h : null).OfType<string>()
            .Select(h => h.StartsWith(ds.Metadata.Name + "-", StringComparison.Ordinal) ? h[(ds.Metadata.Name.Length + 1)..] : h)
            .ToHashSet(StringComparer.Ordinal);
        var old = owned.Where(r => r.Metadata.Name != $"{ds.Metadata.Name}-{currentHash}" &&
            !(r.Metadata.Labels?.TryGetValue(HashLabel, out var h) == true && inUse.Contains(h))).OrderBy(r => r.Revision).ToList();
        foreach (var revision in old.Take(Math.Max(0, old.Count - limit)))
        {
            await api.DeleteAsync<V1ControllerRevision>(revision.Metadata.NamespaceProperty, revision.Metadata.Name, preconditionUid: revision.Metadata.Uid, ct: ct);
        }
    }
}
