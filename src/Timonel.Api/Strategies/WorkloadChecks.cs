using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;

namespace Timonel.Api.Strategies;

/// <summary>What every controller of pods checks: its selector, its template, its replica count.</summary>
public static class WorkloadChecks
{
    public const string SelectorMismatch = "`selector` does not match template `labels`";

    /// <summary>
    /// The selector is required and non-empty and must select the template's own labels,
    /// or the controller would never see the pods it creates.
    /// </summary>
    public static void SelectorAndTemplate(JsonObject spec, string kindForMessage, List<ErrorCause> causes, bool requireSelector = true,
        IEnumerable<string>? claimVolumes = null)
    {
        var selector = Json.Obj(spec, "selector");
        var template = Json.Obj(spec, "template");
        var labels = Json.Obj(Json.Obj(template, "metadata"), "labels");
        if (selector is null)
        {
            if (requireSelector) causes.Add(FieldErrors.Required("spec.selector"));
        }
        else
        {
            var parsed = Selector(selector);
            if (parsed is null || parsed.IsEmpty)
            {
                causes.Add(FieldErrors.Invalid("spec.selector", selector.DeepClone(), $"empty selector is invalid for {kindForMessage}"));
            }
            else if (template is not null && !parsed.Matches(labels))
            {
                causes.Add(new(CauseReasons.Invalid, $"Invalid value: {LabelsJson(labels)}: {SelectorMismatch}", "spec.template.metadata.labels"));
            }
        }
        if (template is null)
        {
            causes.Add(FieldErrors.Required("spec.template"));
        }
        else
        {
            PodSpecValidation.Validate(Json.Obj(template, "spec"), "spec.template.spec", causes, claimVolumes);
        }
    }

    public static void Replicas(JsonObject spec, List<ErrorCause> causes)
    {
        if (Json.Int(spec, "replicas") is < 0 and var n)
        {
            causes.Add(FieldErrors.Invalid("spec.replicas", n, "must be greater than or equal to 0"));
        }
    }

    public static void NonNegative(JsonObject spec, string field, List<ErrorCause> causes)
    {
        if (Json.Int(spec, field) is < 0 and var n)
        {
            causes.Add(FieldErrors.Invalid($"spec.{field}", n, "must be greater than or equal to 0"));
        }
    }

    public static void SelectorImmutable(JsonObject spec, JsonObject? old, List<ErrorCause> causes)
    {
        var oldSelector = Json.Obj(Json.Obj(old, "spec"), "selector");
        if (old is not null && !JsonNode.DeepEquals(Json.Obj(spec, "selector"), oldSelector))
        {
            causes.Add(FieldErrors.Invalid("spec.selector", Json.Obj(spec, "selector")?.DeepClone(), "field is immutable"));
        }
    }

    /// <summary>Controllers that restart pods in place need restartPolicy Always in their template.</summary>
    public static void RestartAlways(JsonObject spec, List<ErrorCause> causes)
    {
        var policy = Json.Obj(Json.Obj(spec, "template"), "spec")?["restartPolicy"];
        if (policy is not null && Json.Str(Json.Obj(Json.Obj(spec, "template"), "spec"), "restartPolicy") != "Always")
        {
            causes.Add(FieldErrors.NotSupported("spec.template.spec.restartPolicy", policy, "Always"));
        }
    }

    public static LabelSelector? Selector(JsonObject selector)
    {
        try
        {
            return LabelSelector.FromModel(KubernetesJson.Deserialize<V1LabelSelector>(selector.ToJsonString()));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Labels as upstream (v1.34 and later) prints a map in a field error: JSON with sorted keys.
    /// </summary>
    public static string LabelsJson(JsonObject? labels)
    {
        if (labels is null) return "null";
        var sorted = new JsonObject();
        foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal)) sorted[k] = v?.DeepClone();
        return sorted.ToJsonString(FieldErrors.JsonOptions);
    }
}
