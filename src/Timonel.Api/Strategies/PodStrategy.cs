using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// Pods: the PodSpec defaults, what upstream's DefaultTolerationSeconds admission adds, the
/// status a new pod starts with, and the rule that a running pod's spec is mostly immutable.
/// </summary>
public sealed class PodStrategy : IKindStrategy
{
    public const string UpdatableFieldsMessage =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    private const int DefaultTolerationSeconds = 300;
    private static readonly string[] DefaultTolerationKeys = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        PodSpecDefaults.Apply(spec);
        Json.SetDefault(spec, "enableServiceLinks", true);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var (c, _) in Json.Items(spec, list)) RequestsFromLimits(c);
        }
        AddDefaultTolerations(spec);
        // The server drops a client's status on create; an update carries the stored one.
        if (obj["status"] is null)
        {
            obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(spec) };
        }
    }

    /// <summary>A resource with a limit and no request requests its limit.</summary>
    private static void RequestsFromLimits(JsonObject container)
    {
        if (Json.Obj(container, "resources") is not { } resources || Json.Obj(resources, "limits") is not { Count: > 0 } limits) return;
        var requests = Json.Child(resources, "requests");
        foreach (var (name, value) in limits)
        {
            if (requests[name] is null) requests[name] = value?.DeepClone();
        }
    }

    private static void AddDefaultTolerations(JsonObject spec)
    {
        var tolerations = spec["tolerations"] as JsonArray ?? [];
        foreach (var key in DefaultTolerationKeys)
        {
            if (tolerations.Any(t => ToleratesNoExecute(t as JsonObject, key))) continue;
            tolerations.Add(new JsonObject
            {
                ["key"] = key,
                ["operator"] = "Exists",
                ["effect"] = "NoExecute",
                ["tolerationSeconds"] = DefaultTolerationSeconds,
            });
        }
        spec["tolerations"] = tolerations;
    }

    private static bool ToleratesNoExecute(JsonObject? t, string key)
    {
        if (t is null) return false;
        var effect = Json.Str(t, "effect");
        if (!string.IsNullOrEmpty(effect) && effect != "NoExecute") return false;
        var tKey = Json.Str(t, "key");
        // An empty key with Exists tolerates every taint.
        return string.IsNullOrEmpty(tKey) ? Json.Str(t, "operator") == "Exists" : tKey == key;
    }

    /// <summary>Guaranteed when every container's cpu and memory requests equal their limits; BestEffort with none set.</summary>
    public static string QosClass(JsonObject spec)
    {
        var any = false;
        var guaranteed = true;
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var (c, _) in Json.Items(spec, list))
            {
                var requests = Json.Obj(Json.Obj(c, "resources"), "requests");
                var limits = Json.Obj(Json.Obj(c, "resources"), "limits");
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    var request = PodSpecValidation.Parse(requests?[resource]);
                    var limit = PodSpecValidation.Parse(limits?[resource]);
                    if (request is > 0 || limit is > 0) any = true;
                    if (limit is null || request != limit) guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        PodSpecValidation.Validate(Json.Obj(obj, "spec"), "spec", causes);
        if (old is not null && Json.Obj(obj, "spec") is { } spec && Json.Obj(old, "spec") is { } oldSpec && !OnlyUpdatableChanged(spec, oldSpec))
        {
            causes.Add(FieldErrors.Forbidden("spec", UpdatableFieldsMessage));
        }
        return causes;
    }

    /// <summary>Compares the specs with the updatable fields taken from the new one into a copy of the old.</summary>
    private static bool OnlyUpdatableChanged(JsonObject spec, JsonObject oldSpec)
    {
        var munged = (JsonObject)oldSpec.DeepClone();
        foreach (var list in new[] { "initContainers", "containers" })
        {
            var newList = Json.Arr(spec, list);
            var mungedList = Json.Arr(munged, list);
            if (newList is null || mungedList is null || newList.Count != mungedList.Count) continue;
            for (var i = 0; i < newList.Count; i++)
            {
                if (mungedList[i] is JsonObject m && newList[i] is JsonObject n) m["image"] = n["image"]?.DeepClone();
            }
        }
        CopyOrRemove(spec, munged, "activeDeadlineSeconds");
        // Tolerations may only grow: every old one must still be there.
        var oldTolerations = Json.Arr(oldSpec, "tolerations") ?? [];
        var newTolerations = Json.Arr(spec, "tolerations") ?? [];
        if (oldTolerations.All(o => newTolerations.Any(n => JsonNode.DeepEquals(o, n)))) CopyOrRemove(spec, munged, "tolerations");
        if (Json.Int(oldSpec, "terminationGracePeriodSeconds") is < 0 && Json.Int(spec, "terminationGracePeriodSeconds") == 1)
        {
            CopyOrRemove(spec, munged, "terminationGracePeriodSeconds");
        }
        return JsonNode.DeepEquals(munged, spec);
    }

    private static void CopyOrRemove(JsonObject from, JsonObject to, string key)
    {
        if (from[key] is { } v) to[key] = v.DeepClone();
        else to.Remove(key);
    }
}
