using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

/// <summary>
/// Moving an object from client-side to server-side apply (`kubectl apply --server-side` after
/// `kubectl apply`), as upstream allows it: the fields client-side apply wrote are owned by
/// "kubectl-client-side-apply" (an Update manager), so the first server-side apply that changes
/// them would conflict. For the manager "kubectl" only, conflicts on fields that the live
/// last-applied-configuration annotation names, with the value the object still has, are not
/// conflicts: the apply takes them over as if forced. A field someone else changed since (its
/// live value differs from the annotation's) still conflicts. Other managers opt out of this.
/// </summary>
internal static class ClientSideApplyUpgrade
{
    public const string Manager = "kubectl";
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>True when every conflicting field is one the annotation hands over.</summary>
    public static bool Excuses(JsonObject live, FieldSet conflicts, ApplyRequest request)
    {
        if (request.Manager != Manager || LastApplied(live) is not { } lastApplied
            || lastApplied["apiVersion"] is not JsonValue version || version.ToString() != request.ApiVersion)
        {
            return false;
        }
        var (differ, missing) = FieldPaths.Compare(lastApplied, live, request.Schema, request.Subresource);
        var handedOver = FieldPaths.Of(lastApplied, request.Schema, request.Subresource).Difference(differ).Difference(missing);
        return conflicts.Difference(handedOver).IsEmpty;
    }

    private static JsonObject? LastApplied(JsonObject live)
    {
        if (live["metadata"]?["annotations"]?[LastAppliedAnnotation] is not JsonValue value
            || !value.TryGetValue<string>(out var text) || text.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            // A hand-edited annotation that is not JSON hands nothing over.
            return null;
        }
    }
}
