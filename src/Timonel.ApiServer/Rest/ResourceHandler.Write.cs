using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

public sealed partial class ResourceHandler
{
    private async Task CreateAsync(HttpContext context, RequestInfo request)
    {
        var ct = context.RequestAborted;
        if (request.Subresource is not null)
        {
            await CreateSubresourceAsync(context, request);
            return;
        }
        var (obj, error) = await RequestBody.ReadObjectAsync(context.Request, ct);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        error = await FieldValidation.CheckAsync(context, obj!, request.Resource);
        JsonObject? created = null;
        if (error is null)
        {
            (created, error) = await CreateObjectAsync(context, request, obj!, trackFields: true, ct);
        }
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        await WriteObjectAsync(context, 201, created!, request);
    }

    /// <summary>
    /// The create pipeline every new object goes through, whether it came by POST or by a
    /// server-side apply of a missing name: preparation, the namespace check, admission (ClusterIPs,
    /// NodePorts, priorities, ingress classes), then the store, unless the request is a dry run.
    /// </summary>
    /// <param name="trackFields">False when the object already carries its managedFields (apply).</param>
    private async Task<(JsonObject? Created, ApiError? Error)> CreateObjectAsync(HttpContext context, RequestInfo request,
        JsonObject obj, bool trackFields, CancellationToken ct)
    {
        var dryRun = IsDryRun(context);
        var error = ObjectPreparation.PrepareForCreate(obj, request.Resource, request.Namespace, api.Time.GetUtcNow());
        if (request.Resource.Namespaced)
        {
            error ??= await CheckNamespaceAcceptsCreatesAsync(ObjectMeta.Namespace(obj), ct);
        }
        error ??= await Admission.AdmitCreateAsync(api, obj, request.Resource, dryRun, ct);
        if (error is not null)
        {
            return (null, error);
        }
        if (trackFields)
        {
            obj = PatchApplier.TrackUpdate(null, obj, request.Resource, PatchApplier.ManagerOf(context.Request), api.Time.GetUtcNow(), null);
        }
        if (dryRun)
        {
            return (obj, null);
        }
        var (created, createError) = await api.StoreFor(request.Resource).CreateAsync(obj, ct);
        if (createError is not null)
        {
            await Admission.ReleaseAsync(api, obj, request.Resource, ct);
            return (null, createError);
        }
        return (created, null);
    }

    private async Task UpdateAsync(HttpContext context, RequestInfo request)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        error = await FieldValidation.CheckAsync(context, body!, request.Resource);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        if (request.Subresource == "scale")
        {
            await UpdateScaleAsync(context, request, _ => (body!, null));
            return;
        }
        await WriteUpdateAsync(context, request, _ => ((JsonObject)body!.DeepClone(), null));
    }

    /// <summary>
    /// The shared tail of update and patch: compute the new object from the current one, carry the
    /// server-owned fields over, validate, write with optimistic concurrency.
    /// </summary>
    private async Task WriteUpdateAsync(HttpContext context, RequestInfo request,
        Func<JsonObject, (JsonObject? Updated, ApiError? Error)> compute, bool trackFields = true)
    {
        var manager = PatchApplier.ManagerOf(context.Request);
        var store = api.StoreFor(request.Resource);
        var dryRun = IsDryRun(context);
        JsonObject? dryResult = null;
        var outcome = await store.GuaranteedUpdateAsync(request.Namespace, request.Name!, current =>
        {
            var (updated, computeError) = compute((JsonObject)current.DeepClone());
            if (computeError is not null)
            {
                return (null, computeError);
            }
            var prepareError = ObjectPreparation.PrepareForUpdate(updated!, current, request.Resource, request.Subresource);
            if (prepareError is not null)
            {
                return (null, prepareError);
            }
            if (IsFinalized(updated!, request.Subresource))
            {
                return (null, null);
            }
            if (trackFields)
            {
                updated = PatchApplier.TrackUpdate(current, updated!, request.Resource, manager, api.Time.GetUtcNow(), request.Subresource);
            }
            if (dryRun)
            {
                dryResult = updated;
                return (current, null);
            }
            return (updated, null);
        }, context.RequestAborted, ReservationFor(request));
        if (outcome.Error is not null)
        {
            await Responses.WriteErrorAsync(context, outcome.Error);
            return;
        }
        await WriteObjectAsync(context, 200, dryResult ?? outcome.Object!, request);
    }

    /// <summary>What an update must reserve before it is written: a Service's addresses and ports.</summary>
    private UpdateReservation? ReservationFor(RequestInfo request) =>
        request.Resource.Kind == "Service" && request.Resource.Group.Length == 0 && request.Subresource is null
            ? (updated, current, ct) => ServiceUpdateAdmission.ReserveAsync(api, updated, current, ct)
            : null;

    /// <summary>
    /// A deleting object whose last finalizer is gone is deleted by the write that removed it; a
    /// namespace also waits for its spec.finalizers (the namespace controller empties them through
    /// the finalize subresource once its content is gone).
    /// </summary>
    private static bool IsFinalized(JsonObject obj, string? subresource) =>
        subresource is null or "finalize"
        && ObjectMeta.IsDeleting(obj)
        && ObjectMeta.Finalizers(obj).Count == 0
        && !(obj["kind"]?.GetValue<string>() == "Namespace" && obj["spec"]?["finalizers"] is JsonArray { Count: > 0 });

    private async Task CreateSubresourceAsync(HttpContext context, RequestInfo request)
    {
        if (request.Subresource == "binding")
        {
            await Binding.BindAsync(context, api, request);
            return;
        }
        if (serviceAccountTokens is not null && request.Resource.Plural == "serviceaccounts" && request.Subresource == "token")
        {
            await TokenRequests.CreateAsync(context, api, request, serviceAccountTokens);
            return;
        }
        if (request.Resource.Plural == "pods" && request.Subresource == "eviction")
        {
            await EvictAsync(context, request);
            return;
        }
        if (podStreams is not null && request.Resource.Plural == "pods" && request.Subresource is "exec" or "attach")
        {
            // kubectl and client-go may POST the exec upgrade (the SPDY-era verb).
            await podStreams.StreamAsync(context, request.Namespace!, request.Name!, attach: request.Subresource == "attach");
            return;
        }
        if (podStreams is not null && request.Resource.Plural == "pods" && request.Subresource == "portforward")
        {
            // kubectl's fallback when the WebSocket tunnel is refused: POST with Upgrade: SPDY/3.1.
            await podStreams.PortForward.ServeAsync(context, request.Namespace!, request.Name!);
            return;
        }
        await Responses.WriteErrorAsync(context, new ApiError(503, "ServiceUnavailable", $"the {request.Subresource} subresource needs a node agent, which is not connected"));
    }

    private Task UpdateScaleAsync(HttpContext context, RequestInfo request, Func<JsonObject, (JsonObject? Scale, ApiError? Error)> computeScale) =>
        Scale.UpdateAsync(context, api, request, computeScale);
}
