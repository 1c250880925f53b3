using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using Timonel.Api.Schema;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// OpenAPI v3 schemas of the KubernetesClient models, found by reflection over their JSON
/// properties and cached per type. A cached schema is shared: callers deep-clone
/// before attaching it to a document. Fields that hold another model refer to it with
/// <c>allOf: [{$ref}]</c> (so the description can sit beside the reference) and <c>default: {}</c>,
/// as upstream's v3 documents do.
/// </summary>
public sealed class ModelSchemas(SchemaNames names)
{
    private readonly ConcurrentDictionary<Type, JsonObject> _cache = new();

    /// <summary>Fields whose Go type is MicroTime; every other timestamp is Time.</summary>
    private static readonly HashSet<(string Type, string Field)> MicroTimeFields =
    [
        ("V1LeaseSpec", "acquireTime"), ("V1LeaseSpec", "renewTime"), ("Corev1Event", "eventTime"),
        ("Eventsv1Event", "eventTime"), ("Corev1EventSeries", "lastObservedTime"), ("Eventsv1EventSeries", "lastObservedTime"),
    ];

    /// <summary>Schemas that are not models: the apimachinery leaf types, keyed by schema name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> LeafSchemas() => new Dictionary<string, JsonObject>
    {
        [SchemaNames.Time] = new() { ["description"] = "A timestamp, written as an RFC 3339 string with second precision.", ["type"] = "string", ["format"] = "date-time" },
        [SchemaNames.MicroTime] = new() { ["description"] = "A timestamp, written as an RFC 3339 string with microsecond precision.", ["type"] = "string", ["format"] = "date-time" },
        // As upstream's v3 documents: one of two JSON types and no "type", so kubectl explain names
        // these fields <IntOrString> and <Quantity>.
        [SchemaNames.IntOrString] = new() { ["description"] = "Either a 32-bit integer or a string; the JSON value keeps whichever form was given.", ["oneOf"] = OneOf("integer", "string"), ["format"] = "int-or-string" },
        [SchemaNames.Quantity] = new() { ["description"] = "A fixed-point decimal quantity written as a string with an optional suffix, such as \"250m\", \"1Gi\" or \"2\".", ["oneOf"] = OneOf("string", "number") },
        [SchemaNames.RawExtension] = new() { ["description"] = "An arbitrary embedded object.", ["type"] = "object" },
    };

    private static JsonArray OneOf(params string[] types) => [.. types.Select(t => (JsonNode)new JsonObject { ["type"] = t })];

    /// <summary>The schema of a model type (shared: clone before changing it).</summary>
    public JsonObject Of(Type model) => _cache.GetOrAdd(model, Build);

    /// <summary>The schema names a schema refers to, so a document can include their schemas too.</summary>
    public static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(kv => kv.Key == "$ref" && kv.Value is JsonValue v
            ? [v.GetValue<string>()["#/components/schemas/".Length..]]
            : References(kv.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    private JsonObject Build(Type model)
    {
        var schema = new JsonObject();
        if (ModelDocs.OfType(model) is { } doc)
        {
            schema["description"] = doc;
        }
        schema["type"] = "object";
        var properties = new JsonObject();
        foreach (var p in model.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name is not { } json)
            {
                continue;
            }
            var field = Field(model, json, p.PropertyType);
            if (ModelDocs.OfProperty(model, p.Name) is { } description)
            {
                field["description"] = description;
            }
            FieldExtensions.Apply(model, json, field);
            properties[json] = field;
        }
        var required = Required(model);
        if (required.Count > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => JsonValue.Create(r))]);
        }
        schema["properties"] = properties;
        return schema;
    }

    /// <summary>A field's schema: a model or apimachinery leaf behind allOf, else an inline type.</summary>
    private JsonObject Field(Type model, string json, Type clr)
    {
        var inline = Inline(clr, MicroTimeFields.Contains((model.Name, json)));
        if (inline["$ref"] is not { } reference)
        {
            return inline;
        }
        var field = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = reference.GetValue<string>() }) };
        if (IsModel(clr))
        {
            field["default"] = new JsonObject();
        }
        return field;
    }

    /// <summary>The schema of a value of a CLR type, as it appears in items, additionalProperties or a bare field.</summary>
    private JsonObject Inline(Type clr, bool microTime = false)
    {
        clr = Nullable.GetUnderlyingType(clr) ?? clr;
        if (clr == typeof(string)) return new() { ["type"] = "string" };
        if (clr == typeof(bool)) return new() { ["type"] = "boolean" };
        if (clr == typeof(int)) return new() { ["type"] = "integer", ["format"] = "int32" };
        if (clr == typeof(long)) return new() { ["type"] = "integer", ["format"] = "int64" };
        if (clr == typeof(double) || clr == typeof(float)) return new() { ["type"] = "number", ["format"] = "double" };
        if (clr == typeof(byte[])) return new() { ["type"] = "string", ["format"] = "byte" };
        if (clr == typeof(DateTime) || clr == typeof(DateTimeOffset)) return Ref(microTime ? SchemaNames.MicroTime : SchemaNames.Time);
        if (clr == typeof(IntOrString)) return Ref(SchemaNames.IntOrString);
        if (clr == typeof(ResourceQuantity)) return Ref(SchemaNames.Quantity);
        if (clr == typeof(object)) return new() { ["type"] = "object" };
        if (FindGeneric(clr, typeof(IDictionary<,>)) is { } dict)
        {
            return new() { ["type"] = "object", ["additionalProperties"] = Item(dict.GetGenericArguments()[1]) };
        }
        if (FindGeneric(clr, typeof(IEnumerable<>)) is { } list)
        {
            return new() { ["type"] = "array", ["items"] = Item(list.GetGenericArguments()[0]) };
        }
        if (IsModel(clr)) return Ref(names.Of(clr));
        throw new InvalidOperationException($"no OpenAPI mapping for model field type {clr}");
    }

    private JsonObject Item(Type clr) => IsModel(clr)
        ? new() { ["allOf"] = new JsonArray(Ref(names.Of(clr))), ["default"] = new JsonObject() }
        : Inline(clr);

    private static JsonObject Ref(string schemaName) => new() { ["$ref"] = "#/components/schemas/" + schemaName };

    private static bool IsModel(Type clr) => ModelFields.IsModel(Nullable.GetUnderlyingType(clr) ?? clr) && clr != typeof(ResourceQuantity);

    /// <summary>
    /// Upstream's required fields of the common types. The KubernetesClient models do not carry
    /// them (no constructors, no nullability annotations), so they are listed here; other types
    /// declare none, which only loosens documentation: the server validates objects itself.
    /// </summary>
    private static readonly Dictionary<string, string[]> RequiredFields = new()
    {
        ["V1DeploymentSpec"] = ["selector", "template"],
        ["V1ReplicaSetSpec"] = ["selector"],
        ["V1DaemonSetSpec"] = ["selector", "template"],
        ["V1StatefulSetSpec"] = ["selector", "template"],
        ["V1JobSpec"] = ["template"],
        ["V1CronJobSpec"] = ["schedule", "jobTemplate"],
        ["V1PodSpec"] = ["containers"],
        ["V1Container"] = ["name"],
        ["V1EphemeralContainer"] = ["name"],
        ["V1ContainerPort"] = ["containerPort"],
        ["V1EnvVar"] = ["name"],
        ["V1VolumeMount"] = ["name", "mountPath"],
        ["V1Volume"] = ["name"],
        ["V1ServicePort"] = ["port"],
        ["V1LabelSelectorRequirement"] = ["key", "operator"],
        ["V1OwnerReference"] = ["apiVersion", "kind", "name", "uid"],
        ["V1KeyToPath"] = ["key", "path"],
        ["V1ConfigMapKeySelector"] = ["key"],
        ["V1SecretKeySelector"] = ["key"],
        ["V1ObjectFieldSelector"] = ["fieldPath"],
        ["V1HTTPGetAction"] = ["port"],
        ["V1TCPSocketAction"] = ["port"],
        ["V1PolicyRule"] = ["verbs"],
        ["V1RoleRef"] = ["apiGroup", "kind", "name"],
        ["Rbacv1Subject"] = ["kind", "name"],
        ["V1RoleBinding"] = ["roleRef"],
        ["V1ClusterRoleBinding"] = ["roleRef"],
        ["V1HTTPIngressPath"] = ["pathType", "backend"],
        ["V1PriorityClass"] = ["value"],
        ["V1StorageClass"] = ["provisioner"],
        ["V1Condition"] = ["type", "status", "lastTransitionTime", "reason", "message"],
    };

    private static List<string> Required(Type model) =>
        RequiredFields.TryGetValue(model.Name, out var fields) ? [.. fields] : [];

    private static Type? FindGeneric(Type t, Type definition) =>
        t.IsGenericType && t.GetGenericTypeDefinition() == definition ? t
        : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
}
