using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>networking.k8s.io/v1 Ingress: every path says how it matches and where it goes.</summary>
public sealed class IngressStrategy : IKindStrategy
{
    private static readonly string[] PathTypes = ["Exact", "ImplementationSpecific", "Prefix"];

    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        if (Json.Obj(spec, "defaultBackend") is { } defaultBackend) Backend(defaultBackend, "spec.defaultBackend", causes);
        if (spec["defaultBackend"] is null && Json.Arr(spec, "rules") is not { Count: > 0 })
        {
            causes.Add(FieldErrors.Invalid("spec", "", "either `defaultBackend` or `rules` must be specified"));
        }
        foreach (var (rule, i) in Json.Items(spec, "rules"))
        {
            foreach (var (path, j) in Json.Items(Json.Obj(rule, "http"), "paths"))
            {
                Path(path, $"spec.rules[{i}].http.paths[{j}]", causes);
            }
        }
        return causes;
    }

    private static void Path(JsonObject path, string at, List<ErrorCause> causes)
    {
        var type = Json.Str(path, "pathType");
        var text = Json.Str(path, "path");
        // Without a pathType upstream stops here: nothing else about the path can be judged.
        if (type is null)
        {
            causes.Add(FieldErrors.Required($"{at}.pathType", "pathType must be specified"));
            return;
        }
        if (!PathTypes.Contains(type)) causes.Add(FieldErrors.NotSupported($"{at}.pathType", path["pathType"]?.DeepClone(), PathTypes));
        // Implementation-specific paths are the controller's business, but still start with a slash.
        if (!string.IsNullOrEmpty(text) || type is "Exact" or "Prefix")
        {
            if (text is null || !text.StartsWith('/')) causes.Add(FieldErrors.Invalid($"{at}.path", text ?? "", "must be an absolute path"));
        }
        Backend(Json.Obj(path, "backend") ?? [], $"{at}.backend", causes);
    }

    private static void Backend(JsonObject backend, string at, List<ErrorCause> causes)
    {
        var service = Json.Obj(backend, "service");
        var resource = Json.Obj(backend, "resource");
        if (service is null && resource is null)
        {
            causes.Add(FieldErrors.Invalid(at, "", "resource or service backend is required"));
            return;
        }
        if (service is not null && resource is not null)
        {
            causes.Add(FieldErrors.Invalid(at, "", "cannot set both resource and service backends"));
            return;
        }
        if (service is null) return;
        var name = Json.Str(service, "name");
        if (string.IsNullOrEmpty(name)) causes.Add(FieldErrors.Required($"{at}.service.name"));
        else if (!Names.IsLabel(name)) causes.Add(FieldErrors.Invalid($"{at}.service.name", name, Names.LabelMessage));
        var port = Json.Obj(service, "port");
        var portName = Json.Str(port, "name");
        var number = Json.Int(port, "number") ?? 0;
        if (string.IsNullOrEmpty(portName) && number == 0)
        {
            causes.Add(FieldErrors.Required(at, "port name or number is required"));
        }
        else if (!string.IsNullOrEmpty(portName) && number != 0)
        {
            causes.Add(FieldErrors.Invalid(at, "", "cannot set both port name & port number"));
        }
        else if (number is < 0 or > 65535)
        {
            causes.Add(FieldErrors.Invalid($"{at}.service.port.number", number, PodSpecValidation.PortRangeMessage));
        }
    }
}

/// <summary>networking.k8s.io/v1 IngressClass: names the controller that serves it, which never changes.</summary>
public sealed class IngressClassStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var controller = Json.Str(Json.Obj(obj, "spec"), "controller");
        if (string.IsNullOrEmpty(controller)) causes.Add(FieldErrors.Required("spec.controller"));
        else if (old is not null && controller != Json.Str(Json.Obj(old, "spec"), "controller"))
        {
            causes.Add(FieldErrors.Invalid("spec.controller", controller, "field is immutable"));
        }
        return causes;
    }
}
