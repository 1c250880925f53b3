using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// core/v1 LimitRange: a Container item's default limit comes from its max, its default request
/// from its default limit, else its min (upstream's defaults), so what admission applies is stored
/// and shown by <c>kubectl describe limitrange</c>.
/// </summary>
public sealed class LimitRangeStrategy : IKindStrategy
{
    public static readonly string[] Types = ["Container", "Pod", "PersistentVolumeClaim"];

    public void Default(JsonObject obj)
    {
        foreach (var (item, _) in Json.Items(Json.Obj(obj, "spec"), "limits"))
        {
            if (Json.Str(item, "type") != "Container") continue;
            var defaults = Json.Child(item, "default");
            var defaultRequests = Json.Child(item, "defaultRequest");
            CopyMissing(Json.Obj(item, "max"), defaults);
            CopyMissing(defaults, defaultRequests);
            CopyMissing(Json.Obj(item, "min"), defaultRequests);
            if (defaults.Count == 0) item.Remove("default");
            if (defaultRequests.Count == 0) item.Remove("defaultRequest");
        }
    }

    private static void CopyMissing(JsonObject? from, JsonObject to)
    {
        foreach (var (name, value) in from ?? [])
        {
            if (to[name] is null) to[name] = value?.DeepClone();
        }
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        foreach (var (item, i) in Json.Items(Json.Obj(obj, "spec"), "limits"))
        {
            var path = $"spec.limits[{i}]";
            var type = item["type"];
            if (type is null) causes.Add(FieldErrors.Required($"{path}.type"));
            else if (!Types.Contains(Json.Str(item, "type"))) causes.Add(FieldErrors.NotSupported($"{path}.type", type, Types));
            foreach (var field in new[] { "max", "min", "default", "defaultRequest", "maxLimitRequestRatio" })
            {
                foreach (var (name, value) in Json.Obj(item, field) ?? [])
                {
                    if (PodSpecValidation.Parse(value) is null)
                    {
                        causes.Add(FieldErrors.Invalid($"{path}.{field}[{name}]", value?.DeepClone(), "must be a valid resource quantity"));
                    }
                }
            }
        }
        return causes;
    }
}
