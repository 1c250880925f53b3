using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Deployments;

public sealed partial class DeploymentController
{
    private async Task<(List<V1ReplicaSet> Sets, string? Error)> ClaimReplicaSetsAsync(V1Deployment d, LabelSelector selector, CancellationToken ct)
    {
        var candidates = _replicaSets.Lister.List(d.Metadata.NamespaceProperty);
        return await OwnerRefs.ClaimAsync(_api, d, OwnerRefs.NewControllerRef(d, "apps/v1", "Deployment"), selector, candidates,
            async () =>
            {
                var fresh = await _api.GetAsync<V1Deployment>(d.Metadata.NamespaceProperty, d.Metadata.Name, ct).ConfigureAwait(false);
                return fresh.Ok && fresh.Value!.Metadata.Uid == d.Metadata.Uid && fresh.Value.Metadata.DeletionTimestamp is null;
            }, ct).ConfigureAwait(false);
    }

    /// <summary>The oldest ReplicaSet whose template is the deployment's (ignoring the hash label); the others are old.</summary>
    private static (V1ReplicaSet? New, List<V1ReplicaSet> Old) Split(V1Deployment d, IEnumerable<V1ReplicaSet> sets)
    {
        var ordered = ByCreation(sets).ToList();
        var current = ordered.FirstOrDefault(rs => PodTemplates.EqualIgnoringHash(rs.Spec.Template, d.Spec.Template));
        return (current, ordered.Where(rs => !ReferenceEquals(rs, current)).ToList());
    }

    internal static IEnumerable<V1ReplicaSet> ByCreation(IEnumerable<V1ReplicaSet> sets) =>
        sets.OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal);

    /// <summary>
    /// The new ReplicaSet (brought up to date: annotations, revision, minReadySeconds; created when
    /// asked and missing) and the old ones. The Deployment's revision annotation follows the new
    /// ReplicaSet's.
    /// </summary>
    private async Task<(V1ReplicaSet? New, List<V1ReplicaSet> Old, string? Error)> NewAndOldAsync(
        V1Deployment d, List<V1ReplicaSet> sets, bool create, CancellationToken ct)
    {
        var (existing, old) = Split(d, sets);
        var newRevision = Revisions.Max(old) + 1;
        if (existing is not null)
        {
            var copy = ObjectCopy.Clone(existing);
            var changed = Revisions.SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true);
            if (copy.Spec.MinReadySeconds != d.Spec.MinReadySeconds)
            {
                copy.Spec.MinReadySeconds = d.Spec.MinReadySeconds;
                changed = true;
            }
            if (changed)
            {
                var written = await _api.UpdateAsync(copy, ct).ConfigureAwait(false);
                if (!written.Ok)
                {
                    return (null, old, "updating replica set: " + written);
                }
                copy = written.Value!;
            }
            if (await SetDeploymentRevisionAsync(d, Revisions.Of(copy.Metadata), ct).ConfigureAwait(false) is { } revError)
            {
                return (null, old, revError);
            }
            if (HasProgressDeadline(d) && Condition(d, "Progressing") is null)
            {
                SetCondition(d, "Progressing", "True", "FoundNewReplicaSet", $"Found new replica set {Quote(copy.Metadata.Name)}");
                if (await WriteStatusAsync(d, ct).ConfigureAwait(false) is { } statusError)
                {
                    return (null, old, statusError);
                }
            }
            return (copy, old, null);
        }
        if (!create)
        {
            return (null, old, null);
        }
        return await CreateNewAsync(d, sets, old, newRevision, ct).ConfigureAwait(false);
    }

    private async Task<(V1ReplicaSet? New, List<V1ReplicaSet> Old, string? Error)> CreateNewAsync(
        V1Deployment d, List<V1ReplicaSet> sets, List<V1ReplicaSet> old, long revision, CancellationToken ct)
    {
        var hash = PodTemplates.Hash(d.Spec.Template, d.Status?.CollisionCount);
        var template = ObjectCopy.Clone(d.Spec.Template);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>()) { [PodTemplates.HashLabel] = hash };
        var selector = ObjectCopy.Clone(d.Spec.Selector);
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [PodTemplates.HashLabel] = hash };
        var rs = new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta
            {
                Name = d.Metadata.Name + "-" + hash,
                NamespaceProperty = d.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
                OwnerReferences = [OwnerRefs.NewControllerRef(d, "apps/v1", "Deployment")],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = 0,
                MinReadySeconds = d.Spec.MinReadySeconds,
                Selector = selector,
                Template = template,
            },
        };
        Revisions.SetNewReplicaSetAnnotations(d, rs, revision, exists: false);
        var replicas = DeploymentMath.NewReplicaSetReplicas(d, sets, null);
        rs.Spec.Replicas = replicas;
        var created = await _api.CreateAsync(rs, ct).ConfigureAwait(false);
        if (created.IsAlreadyExists)
        {
            var found = await _api.GetAsync<V1ReplicaSet>(rs.Metadata.NamespaceProperty, rs.Metadata.Name, ct).ConfigureAwait(false);
            if (found.Ok && OwnerRefs.ControllerOf(found.Value!.Metadata)?.Uid == d.Metadata.Uid
                && PodTemplates.EqualIgnoringHash(found.Value.Spec.Template, d.Spec.Template))
            {
                // Ours, created by an earlier sync whose result the cache has not shown yet.
                return (found.Value, old, null);
            }
            d.Status ??= new V1DeploymentStatus();
            d.Status.CollisionCount = (d.Status.CollisionCount ?? 0) + 1;
            WorkloadsLog.HashCollision(Logger, d.Metadata.NamespaceProperty + "/" + d.Metadata.Name, rs.Metadata.Name, d.Status.CollisionCount.Value);
            var statusError = await WriteStatusAsync(d, ct).ConfigureAwait(false);
            return (null, old, statusError ?? "pod template hash collision on " + rs.Metadata.Name);
        }
        if (!created.Ok)
        {
            if (HasProgressDeadline(d))
            {
                SetCondition(d, "Progressing", "False", "ReplicaSetCreateError", $"Failed to create new replica set {Quote(rs.Metadata.Name)}: {created.Error?.Message}");
                await WriteStatusAsync(d, ct).ConfigureAwait(false);
            }
            _events.Record(d, "Warning", "FailedCreate", $"Failed to create new replica set {Quote(rs.Metadata.Name)}: {created.Error?.Message}");
            return (null, old, "creating replica set: " + created);
        }
        var value = created.Value!;
        if (replicas > 0)
        {
            RecordScaling(d, "up", value.Metadata.Name, 0, replicas);
        }
        if (await SetDeploymentRevisionAsync(d, revision, ct).ConfigureAwait(false) is { } revError)
        {
            return (null, old, revError);
        }
        if (HasProgressDeadline(d))
        {
            SetCondition(d, "Progressing", "True", "NewReplicaSetCreated", $"Created new replica set {Quote(value.Metadata.Name)}");
            if (await WriteStatusAsync(d, ct).ConfigureAwait(false) is { } statusError)
            {
                return (null, old, statusError);
            }
        }
        return (value, old, null);
    }

    /// <summary>The revision annotation is metadata: written by a merge patch, not with the status.</summary>
    private async Task<string?> SetDeploymentRevisionAsync(V1Deployment d, long revision, CancellationToken ct)
    {
        var text = revision.ToString(CultureInfo.InvariantCulture);
        if (d.Metadata.Annotations is { } a && a.TryGetValue(Revisions.RevisionAnnotation, out var current) && current == text)
        {
            return null;
        }
        var body = "{\"metadata\":{\"resourceVersion\":" + KubernetesJson.Serialize(d.Metadata.ResourceVersion)
            + ",\"annotations\":{" + KubernetesJson.Serialize(Revisions.RevisionAnnotation) + ":" + KubernetesJson.Serialize(text) + "}}}";
        var patched = await _api.PatchAsync<V1Deployment>(d.Metadata.NamespaceProperty, d.Metadata.Name, PatchType.Merge, body, ct: ct).ConfigureAwait(false);
        if (!patched.Ok)
        {
            return "setting revision: " + patched;
        }
        (d.Metadata.Annotations ??= new Dictionary<string, string>())[Revisions.RevisionAnnotation] = text;
        d.Metadata.ResourceVersion = patched.Value!.Metadata.ResourceVersion;
        return null;
    }

    /// <summary>Go's %q of a plain name, as upstream's condition messages print it.</summary>
    private static string Quote(string name) => "\"" + name + "\"";
}
