using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;
using Timonel.Api.Strategies;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The generic half of create and update: metadata the server owns, the spec/status split,
/// generation, defaults and validation. The kind-specific half is an <see cref="IKindStrategy"/>.
/// </summary>
public static class ObjectPreparation
{
    private const string NameSuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Kinds that keep the status they are created with (their agents post it with the object).</summary>
    private static readonly HashSet<string> KeepStatusOnCreate = ["Node", "Event"];

    public static ApiError? PrepareForCreate(JsonObject obj, ResourceInfo resource, string? urlNamespace, DateTimeOffset now)
    {
        var error = CheckTypeMeta(obj, resource);
        if (error is not null)
        {
            return error;
        }
        var meta = ObjectMeta.Metadata(obj);
        if (resource.Namespaced)
        {
            var bodyNs = ObjectMeta.Str(meta, "namespace");
            if (!string.IsNullOrEmpty(bodyNs) && urlNamespace is not null && bodyNs != urlNamespace)
            {
                return ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta["namespace"] = urlNamespace ?? bodyNs ?? "default";
        }
        else
        {
            meta.Remove("namespace");
        }
        if (string.IsNullOrEmpty(ObjectMeta.Str(meta, "name")) && ObjectMeta.Str(meta, "generateName") is { Length: > 0 } prefix)
        {
            meta["name"] = prefix + RandomSuffix();
        }
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = ObjectMeta.Timestamp(now);
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        if (resource.HasStatus)
        {
            meta["generation"] = 1;
            if (!KeepStatusOnCreate.Contains(resource.Kind))
            {
                obj.Remove("status");
            }
        }
        else
        {
            meta.Remove("generation");
        }
        KindStrategies.For(resource.Group, resource.Kind)?.Default(obj);
        return Validate(obj, null, resource);
    }

    /// <summary>
    /// Carries what a client may not change from the stored object into the new one: identity,
    /// creation time, and the half of the object the request's subresource does not own.
    /// </summary>
    public static ApiError? PrepareForUpdate(JsonObject updated, JsonObject current, ResourceInfo resource, string? subresource)
    {
        var error = CheckTypeMeta(updated, resource);
        if (error is not null)
        {
            return error;
        }
        var meta = ObjectMeta.Metadata(updated);
        var oldMeta = ObjectMeta.Metadata(current);
        if (ObjectMeta.Str(meta, "name") is { } newName && newName != ObjectMeta.Str(oldMeta, "name"))
        {
            return ApiError.BadRequest("the name of the object does not match the name on the URL");
        }
        if (ObjectMeta.Str(meta, "uid") is { Length: > 0 } uid && uid != ObjectMeta.Str(oldMeta, "uid"))
        {
            return new ApiError(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMeta.Str(oldMeta, "uid")}");
        }
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (oldMeta[field] is { } v) meta[field] = v.DeepClone();
            else meta.Remove(field);
        }
        switch (subresource)
        {
            case "status":
                // A status write changes only the status.
                TakeOnly(updated, current, null, "status");
                return null;
            case "finalize":
                // A finalize write changes only spec.finalizers.
                TakeOnly(updated, current, "spec", "finalizers");
                return null;
        }
        if (resource.HasStatus)
        {
            if (current["status"] is { } oldStatus) updated["status"] = oldStatus.DeepClone();
            else updated.Remove("status");
        }
        var strategy = KindStrategies.For(resource.Group, resource.Kind);
        strategy?.PrepareForUpdate(updated, current);
        strategy?.Default(updated);
        // Compared after defaulting: a write that only drops fields the server defaults (a list a
        // patch replaces wholesale) changes nothing, and the generation stays.
        if (resource.HasStatus && !JsonNode.DeepEquals(Spec(updated), Spec(current)))
        {
            meta["generation"] = ObjectMeta.Generation(current) + 1;
        }
        return Validate(updated, current, resource);
    }

    /// <summary>
    /// Makes <paramref name="updated"/> a copy of <paramref name="current"/> in which only
    /// <c>[parent.]field</c> (and the resourceVersion precondition) comes from the request.
    /// </summary>
    private static void TakeOnly(JsonObject updated, JsonObject current, string? parent, string field)
    {
        var source = parent is null ? updated : updated[parent] as JsonObject;
        var value = source?[field]?.DeepClone();
        var rv = ObjectMeta.Metadata(updated)["resourceVersion"]?.DeepClone();
        updated.Clear();
        foreach (var (k, v) in current) updated[k] = v?.DeepClone();
        var target = updated;
        if (parent is not null)
        {
            target = updated[parent] as JsonObject ?? [];
            updated[parent] = target;
        }
        if (value is null) target.Remove(field); else target[field] = value;
        if (rv is null) ObjectMeta.Metadata(updated).Remove("resourceVersion"); else ObjectMeta.Metadata(updated)["resourceVersion"] = rv;
    }

    private static ApiError? Validate(JsonObject obj, JsonObject? old, ResourceInfo resource)
    {
        var causes = new List<ErrorCause>(MetadataValidation.Validate(obj, resource.Kind));
        if (KindStrategies.For(resource.Group, resource.Kind) is { } strategy)
        {
            causes.AddRange(strategy.Validate(obj, old));
        }
        return causes.Count == 0 ? null : ApiError.Invalid(resource.Kind, resource.Group, ObjectMeta.Name(obj) ?? "", causes);
    }

    private static ApiError? CheckTypeMeta(JsonObject obj, ResourceInfo resource)
    {
        var kind = ObjectMeta.Str(obj, "kind");
        var apiVersion = ObjectMeta.Str(obj, "apiVersion");
        if (!string.IsNullOrEmpty(kind) && kind != resource.Kind)
        {
            return ApiError.BadRequest($"the kind of the provided object ({kind}) does not match the resource {resource.QualifiedName} (kind {resource.Kind})");
        }
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != resource.ApiVersion)
        {
            return ApiError.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({resource.ApiVersion})");
        }
        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = resource.Kind;
        return null;
    }

    /// <summary>Everything but metadata and status: what a generation counts changes of.</summary>
    private static JsonObject Spec(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in obj)
        {
            if (k is not ("metadata" or "status")) copy[k] = v?.DeepClone();
        }
        return copy;
    }

    private static string RandomSuffix() =>
        string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = NameSuffixAlphabet[RandomNumberGenerator.GetInt32(NameSuffixAlphabet.Length)];
        });
}
