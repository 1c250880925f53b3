using System.Text.Json.Nodes;
using k8s.Models;

namespace Timonel.Api.Strategies;

/// <summary>
/// Upstream's LimitRanger for a new pod: the LimitRange items of type Container give each
/// container (and init container) the default limits and requests it does not set, recorded in the
/// pod's <c>kubernetes.io/limit-ranger</c> annotation; then every container (type Container) and
/// the pod's total (type Pod) must lie within min and max. The QoS class is computed again from
/// the completed resources.
/// </summary>
/// <remarks>Not checked: maxLimitRequestRatio.</remarks>
public static class LimitRanger
{
    public const string Annotation = "kubernetes.io/limit-ranger";

    /// <summary>
    /// A new claim's storage request (and limit) against the PersistentVolumeClaim items' min and
    /// max: upstream's message for what it breaks, or null.
    /// </summary>
    public static string? AdmitClaim(JsonObject claim, IReadOnlyList<JsonObject> items)
    {
        var resources = Json.Obj(Json.Obj(claim, "spec"), "resources");
        var violations = new List<string>();
        foreach (var item in items.Where(i => Json.Str(i, "type") == "PersistentVolumeClaim"))
        {
            Check(item, "PersistentVolumeClaim", Json.Obj(resources, "requests"), Json.Obj(resources, "limits"), violations);
        }
        return Joined(violations);
    }

    /// <summary>
    /// Completes the pod's resources from <paramref name="items"/> (the namespace's LimitRange
    /// items in name order) and returns upstream's message for the bounds it breaks, or null.
    /// </summary>
    public static string? Admit(JsonObject pod, IReadOnlyList<JsonObject> items)
    {
        if (pod["spec"] is not JsonObject spec || items.Count == 0)
        {
            return null;
        }
        var containers = Containers(spec).ToList();
        var applied = new List<string>();
        foreach (var item in items.Where(i => Json.Str(i, "type") == "Container"))
        {
            foreach (var (container, kind) in containers)
            {
                ApplyDefaults(container, kind, item, applied);
            }
        }
        if (applied.Count > 0)
        {
            var metadata = Json.Child(pod, "metadata");
            Json.Child(metadata, "annotations")[Annotation] = "LimitRanger plugin set: " + string.Join("; ", applied);
            if (pod["status"] is JsonObject status)
            {
                status["qosClass"] = PodStrategy.QosClass(spec);
            }
        }

        var violations = new List<string>();
        foreach (var item in items)
        {
            switch (Json.Str(item, "type"))
            {
                case "Container":
                    foreach (var (container, _) in containers)
                    {
                        var resources = Json.Obj(container, "resources");
                        Check(item, "Container", Json.Obj(resources, "requests"), Json.Obj(resources, "limits"), violations);
                    }
                    break;
                case "Pod":
                    Check(item, "Pod", PodTotal(spec, "requests"), PodTotal(spec, "limits"), violations);
                    break;
            }
        }
        return Joined(violations);
    }

    /// <summary>Upstream's aggregate of errors: one as it is, several in brackets.</summary>
    private static string? Joined(List<string> violations) => violations.Count switch
    {
        0 => null,
        1 => violations[0],
        _ => $"[{string.Join(", ", violations)}]",
    };

    private static IEnumerable<(JsonObject Container, string Kind)> Containers(JsonObject spec) =>
        Json.Items(spec, "initContainers").Select(c => (c.Item, "init container"))
            .Concat(Json.Items(spec, "containers").Select(c => (c.Item, "container")));

    private static void ApplyDefaults(JsonObject container, string kind, JsonObject item, List<string> applied)
    {
        var resources = Json.Child(container, "resources");
        var setLimits = SetMissing(Json.Obj(item, "default"), resources, "limits");
        var setRequests = SetMissing(Json.Obj(item, "defaultRequest"), resources, "requests");
        var name = Json.Str(container, "name");
        if (setRequests.Count > 0) applied.Add($"{string.Join(", ", setRequests.Order(StringComparer.Ordinal))} request for {kind} {name}");
        if (setLimits.Count > 0) applied.Add($"{string.Join(", ", setLimits.Order(StringComparer.Ordinal))} limit for {kind} {name}");
    }

    private static List<string> SetMissing(JsonObject? defaults, JsonObject resources, string field)
    {
        var set = new List<string>();
        if (defaults is not { Count: > 0 })
        {
            return set;
        }
        var target = resources[field] as JsonObject ?? [];
        foreach (var (name, value) in defaults)
        {
            if (target[name] is null)
            {
                target[name] = value?.DeepClone();
                set.Add(name);
            }
        }
        if (target.Count > 0) resources[field] = target;
        return set;
    }

    /// <summary>Upstream's min and max checks of one item against the observed requests and limits.</summary>
    private static void Check(JsonObject item, string scope, JsonObject? requests, JsonObject? limits, List<string> violations)
    {
        foreach (var (name, bound) in Json.Obj(item, "min") ?? [])
        {
            var enforced = PodSpecValidation.Parse(bound);
            var request = PodSpecValidation.Parse(requests?[name]);
            var limit = PodSpecValidation.Parse(limits?[name]);
            if (enforced is null) continue;
            if (request is null) violations.Add($"minimum {name} usage per {scope} is {Show(bound)}.  No request is specified");
            else if (request < enforced) violations.Add($"minimum {name} usage per {scope} is {Show(bound)}, but request is {Show(requests![name])}");
            else if (limit < enforced) violations.Add($"minimum {name} usage per {scope} is {Show(bound)}, but limit is {Show(limits![name])}");
        }
        foreach (var (name, bound) in Json.Obj(item, "max") ?? [])
        {
            var enforced = PodSpecValidation.Parse(bound);
            var request = PodSpecValidation.Parse(requests?[name]);
            var limit = PodSpecValidation.Parse(limits?[name]);
            if (enforced is null) continue;
            if (scope == "PersistentVolumeClaim")
            {
                // A claim's maximum bounds its request (claims have no limits to speak of).
                if (request > enforced) violations.Add($"maximum {name} usage per {scope} is {Show(bound)}, but request is {Show(requests![name])}");
                continue;
            }
            if (limit is null) violations.Add($"maximum {name} usage per {scope} is {Show(bound)}.  No limit is specified");
            else if (limit > enforced) violations.Add($"maximum {name} usage per {scope} is {Show(bound)}, but limit is {Show(limits![name])}");
            else if (request > enforced) violations.Add($"maximum {name} usage per {scope} is {Show(bound)}, but request is {Show(requests![name])}");
        }
    }

    /// <summary>The pod's requests or limits: the containers' sum, or an init container's if larger.</summary>
    private static JsonObject PodTotal(JsonObject spec, string field)
    {
        var totals = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (c, _) in Json.Items(spec, "containers"))
        {
            foreach (var (name, value) in Json.Obj(Json.Obj(c, "resources"), field) ?? [])
            {
                if (PodSpecValidation.Parse(value) is { } q) totals[name] = totals.GetValueOrDefault(name) + q;
            }
        }
        foreach (var (c, _) in Json.Items(spec, "initContainers"))
        {
            foreach (var (name, value) in Json.Obj(Json.Obj(c, "resources"), field) ?? [])
            {
                if (PodSpecValidation.Parse(value) is { } q && q > totals.GetValueOrDefault(name)) totals[name] = q;
            }
        }
        var result = new JsonObject();
        foreach (var (name, q) in totals)
        {
            result[name] = new ResourceQuantity(q, 0, ResourceQuantity.SuffixFormat.DecimalSI).ToString();
        }
        return result;
    }

    /// <summary>A quantity as upstream prints it in these messages.</summary>
    private static string Show(JsonNode? quantity) => PodSpecValidation.Canonical(quantity);
}
