using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

public sealed partial class ResourceHandler
{
    private async Task DeleteAsync(HttpContext context, RequestInfo request)
    {
        var (options, error) = await DeleteOptions.ReadAsync(context);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var (result, deleteError) = await DeleteOneAsync(request, request.Namespace, request.Name!, options!, IsDryRun(context), context.RequestAborted);
        if (deleteError is not null)
        {
            await Responses.WriteErrorAsync(context, deleteError);
            return;
        }
        await Responses.WriteJsonAsync(context, 200, result!);
    }

    /// <summary>
    /// pods/eviction: the pod's disruption budget (<see cref="Eviction"/>) allowing, a delete with
    /// the Eviction's deleteOptions; answered 201 with a success Status, as upstream.
    /// </summary>
    private async Task EvictAsync(HttpContext context, RequestInfo request)
    {
        var ct = context.RequestAborted;
        var (body, error) = await RequestBody.ReadObjectAsync(context.Request, ct);
        await Eviction.Serial.WaitAsync(ct);
        try
        {
            error ??= await EvictLockedAsync(context, request, body);
        }
        finally
        {
            Eviction.Serial.Release();
        }
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        await Responses.WriteJsonAsync(context, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success" });
    }

    private async Task<ApiError?> EvictLockedAsync(HttpContext context, RequestInfo request, JsonObject? body)
    {
        var ct = context.RequestAborted;
        var (pod, error) = await api.StoreFor(request.Resource).GetAsync(request.Namespace, request.Name!, ct);
        error ??= await Eviction.CheckBudgetAsync(api, pod!, ct);
        var deleteOptions = body?["deleteOptions"] as JsonObject;
        var options = new DeleteOptions(
            deleteOptions?["propagationPolicy"]?.GetValue<string>(),
            deleteOptions?["gracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var grace) ? grace : null,
            deleteOptions?["preconditions"]?["uid"]?.GetValue<string>(),
            deleteOptions?["preconditions"]?["resourceVersion"]?.GetValue<string>());
        if (error is null)
        {
            var dryRun = IsDryRun(context) || deleteOptions?["dryRun"] is JsonArray { Count: > 0 };
            (_, error) = await DeleteOneAsync(request, request.Namespace, request.Name!, options, dryRun, ct);
        }
        return error;
    }

    /// <summary>
    /// Deletes one object as upstream does: objects with finalizers (and foreground or orphan
    /// deletion, which add one) and bound pods with a grace period are only marked with a
    /// deletionTimestamp; the rest are removed at once.
    /// </summary>
    private async Task<(JsonNode? Result, ApiError? Error)> DeleteOneAsync(RequestInfo request, string? ns, string name, DeleteOptions options, bool dryRun, CancellationToken ct)
    {
        var store = api.StoreFor(request.Resource);
        var resource = request.Resource;
        var now = api.Time.GetUtcNow();
        if (resource.Kind == "Namespace" && name is "default" or "kube-system" or "kube-public")
        {
            // Upstream's namespace lifecycle admission keeps the system namespaces.
            return (null, new ApiError(403, "Forbidden", $"namespaces \"{name}\" is forbidden: this namespace may not be deleted") { Name = name, Kind = "namespaces" });
        }
        var outcome = await store.GuaranteedUpdateAsync(ns, name, current =>
        {
            if (options.PreconditionUid is { } uid && uid != ObjectMeta.Uid(current))
            {
                return (null, new ApiError(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMeta.Uid(current)}"));
            }
            if (options.PreconditionResourceVersion is { } rv && rv != ObjectMeta.ResourceVersion(current))
            {
                return (null, new ApiError(409, "Conflict", $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in meta: {ObjectMeta.ResourceVersion(current)}"));
            }
            var updated = (JsonObject)current.DeepClone();
            updated["metadata"]!.AsObject().Remove("resourceVersion");
            var meta = ObjectMeta.Metadata(updated);
            var finalizers = ObjectMeta.Finalizers(updated).ToList();
            var policy = options.PropagationPolicy ?? DefaultPropagation(resource.Kind);
            if (policy == "Foreground" && !finalizers.Contains("foregroundDeletion")) finalizers.Add("foregroundDeletion");
            if (policy == "Orphan" && !finalizers.Contains("orphan")) finalizers.Add("orphan");
            var grace = GracePeriod(updated, resource.Kind, options.GracePeriodSeconds);
            if (finalizers.Count == 0 && grace == 0 && resource.Kind != "Namespace")
            {
                return (null, null);
            }
            if (finalizers.Count > 0)
            {
                meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)f).ToArray());
            }
            if (resource.Kind == "Namespace" && updated["status"] is JsonObject nsStatus)
            {
                nsStatus["phase"] = "Terminating";
            }
            var deadline = now.AddSeconds(grace);
            if (ObjectMeta.ParseTimestamp(ObjectMeta.Str(meta, "deletionTimestamp")) is not { } existing || deadline < existing)
            {
                meta["deletionTimestamp"] = ObjectMeta.Timestamp(deadline);
                meta["deletionGracePeriodSeconds"] = grace;
            }
            return (updated, null);
        }, ct);
        if (outcome.Error is not null)
        {
            return (null, outcome.Error);
        }
        if (!outcome.Deleted)
        {
            return (outcome.Object, null);
        }
        await Admission.ReleaseAsync(api, outcome.Object!, resource, ct);
        return resource.Kind is "Pod" or "Namespace"
            ? (outcome.Object, null)
            : (Responses.Success(name, resource.Plural, ObjectMeta.Uid(outcome.Object!)), null);
    }

    /// <summary>The seconds a pod is given to stop: only pods bound to a node wait for their kubelet.</summary>
    private static long GracePeriod(JsonObject obj, string kind, long? requested)
    {
        if (kind != "Pod" || obj["spec"]?["nodeName"] is null)
        {
            return 0;
        }
        if (obj["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed")
        {
            return 0;
        }
        return requested ?? (obj["spec"]?["terminationGracePeriodSeconds"] is JsonValue v && v.TryGetValue<long>(out var g) ? g : 30);
    }

    /// <summary>Upstream orphans the dependents of a few legacy kinds by default; the rest go in the background.</summary>
    private static string DefaultPropagation(string kind) => "Background";

    private async Task DeleteCollectionAsync(HttpContext context, RequestInfo request)
    {
        var (listOptions, error) = ParseListOptions(context.Request.Query);
        var (options, deleteError) = await DeleteOptions.ReadAsync(context);
        error ??= deleteError;
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var (page, listError) = await api.StoreFor(request.Resource).ListAsync(request.Namespace, listOptions! with { Limit = 0, Continue = null }, context.RequestAborted);
        if (listError is not null)
        {
            await Responses.WriteErrorAsync(context, listError);
            return;
        }
        var deleted = new JsonArray();
        foreach (var item in page!.Items)
        {
            var (result, itemError) = await DeleteOneAsync(request, ObjectMeta.Namespace(item), ObjectMeta.Name(item)!, options!, IsDryRun(context), context.RequestAborted);
            if (itemError is { Code: not 404 })
            {
                await Responses.WriteErrorAsync(context, itemError);
                return;
            }
            if (result is not null) deleted.Add(item);
        }
        await Responses.WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = request.Resource.ListKind,
            ["apiVersion"] = request.Resource.ApiVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = deleted,
        });
    }
}
