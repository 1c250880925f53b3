// The value every patch entry point returns: the patched object, or why the patch was refused.
//
// Public API of Timonel.Api.Patching (all pure functions on System.Text.Json.Nodes; inputs are
// never mutated, results are fresh trees the caller owns):
//   JsonPatch.Apply(JsonNode target, JsonNode patch)                        RFC 6902, json-patch+json
//   MergePatch.Apply(JsonNode target, JsonNode patch)                       RFC 7386, merge-patch+json
//   StrategicMergePatch.Apply(JsonNode original, JsonNode patch, PatchSchema schema)
//                                                                           strategic-merge-patch+json
//   ServerSideApply.Apply(JsonObject? live, JsonObject applied, ApplyRequest request)
//                                                                           apply-patch+yaml
//   ManagedFieldsTracker.RecordUpdate(JsonObject? old, JsonObject updated, UpdateRequest request)
//                                                                           every create/update/patch
//   ApplyBody.Parse(string text)                                            YAML or JSON apply body
//   PatchSchema.For(Type) / PatchSchema.ForKind(apiVersion, kind) / PatchSchema.Unknown
//
// Failure kinds map to HTTP the way the upstream API server maps them: a patch that cannot be
// decoded is a 400 BadRequest; a well-formed patch that cannot be applied to this object (a
// failed `test`, a missing path, a list of lists) is a 422; an apply that would take fields from
// another manager is a 409 with one FieldManagerConflict cause per field.
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

public enum PatchFailureKind
{
    /// <summary>The patch document is malformed (HTTP 400, reason BadRequest).</summary>
    BadRequest,

    /// <summary>The patch is well formed but cannot apply to this object (HTTP 422).</summary>
    Unprocessable,

    /// <summary>Server-side apply conflicts with other field managers (HTTP 409, reason Conflict).</summary>
    Conflict,
}

/// <summary>One field another manager owns with a different value than the applied one.</summary>
/// <param name="Manager">The owning manager as upstream prints it, e.g. <c>"kubectl"</c> or
/// <c>"kube-controller-manager" using apps/v1</c> (already quoted).</param>
/// <param name="Field">The field path as upstream prints it, e.g. <c>.spec.replicas</c>.</param>
public sealed record FieldConflict(string Manager, string Field)
{
    /// <summary>The message of the matching Status cause (reason FieldManagerConflict).</summary>
    public string CauseMessage => $"conflict with {Manager}";
}

public sealed record PatchFailure(PatchFailureKind Kind, string Message)
{
    /// <summary>Non-empty only for <see cref="PatchFailureKind.Conflict"/>.</summary>
    public IReadOnlyList<FieldConflict> Conflicts { get; init; } = [];

    public int HttpStatus => Kind switch
    {
        PatchFailureKind.BadRequest => 400,
        PatchFailureKind.Unprocessable => 422,
        PatchFailureKind.Conflict => 409,
        _ => 500,
    };

    internal static PatchFailure Bad(string message) => new(PatchFailureKind.BadRequest, message);

    internal static PatchFailure Unprocessable(string message) => new(PatchFailureKind.Unprocessable, message);
}

public sealed class PatchOutcome
{
    private PatchOutcome(JsonNode? result, PatchFailure? failure)
    {
        Result = result;
        Failure = failure;
    }

    /// <summary>The new object; a fresh tree that shares no nodes with the inputs.</summary>
    public JsonNode? Result { get; }

    public PatchFailure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Result))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Failure is null;

    public static PatchOutcome Ok(JsonNode result) => new(result, null);

    public static PatchOutcome Fail(PatchFailure failure) => new(null, failure);

    public static implicit operator PatchOutcome(PatchFailure failure) => Fail(failure);

    public override string ToString() => Succeeded ? Result.ToJsonString() : $"{Failure.Kind}: {Failure.Message}";
}
