using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// Builds one OpenAPI v3 document for the resources of a group-version: their REST paths and the
/// schemas of every kind, its list, and every type they reach, named as upstream names them.
/// </summary>
public sealed class SchemaBuilder(SchemaNames names, ModelSchemas models)
{
    public JsonObject BuildDocument(IReadOnlyList<ResourceInfo> resources)
    {
        var paths = new JsonObject();
        var schemas = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var byName = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var r in resources)
        {
            var kindSchema = AddModel(schemas, byName, r.ModelType);
            WithGvk(schemas[kindSchema], r.Group, r.Version, r.Kind);
            if (r.IsVirtual)
            {
                // Review kinds are create-only and have no list kind.
                PathOperations.AddCreateOnly(paths, r, kindSchema);
                continue;
            }
            var listType = r.ModelType.Assembly.GetType($"{r.ModelType.FullName}List")
                ?? throw new InvalidOperationException($"no list model for {r.ModelType}");
            var listSchema = AddModel(schemas, byName, listType);
            WithGvk(schemas[listSchema], r.Group, r.Version, r.ListKind);
            PathOperations.Add(paths, r, kindSchema, listSchema);
        }
        AddModel(schemas, byName, typeof(V1DeleteOptions));
        AddModel(schemas, byName, typeof(V1Status));
        schemas[PathOperations.PatchSchema] = new JsonObject
        {
            ["description"] = "A patch body; its format is given by the request's Content-Type.",
            ["type"] = "object",
        };
        AddReachable(schemas, byName);
        var components = new JsonObject();
        foreach (var (name, schema) in schemas)
        {
            components[name] = schema;
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Hosting.VersionInfo.KubernetesVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = components },
        };
    }

    private string AddModel(SortedDictionary<string, JsonObject> schemas, Dictionary<string, Type> byName, Type model)
    {
        var name = names.Of(model);
        if (!schemas.ContainsKey(name))
        {
            schemas[name] = (JsonObject)models.Of(model).DeepClone();
            byName[name] = model;
        }
        return name;
    }

    /// <summary>Adds the schema of every name referred to, transitively, so every $ref resolves.</summary>
    private void AddReachable(SortedDictionary<string, JsonObject> schemas, Dictionary<string, Type> byName)
    {
        var leaves = ModelSchemas.LeafSchemas();
        var modelsByName = ReachableModels(byName.Values);
        var pending = new Queue<string>(schemas.Values.SelectMany(ModelSchemas.References));
        while (pending.TryDequeue(out var name))
        {
            if (schemas.ContainsKey(name))
            {
                continue;
            }
            var schema = leaves.TryGetValue(name, out var leaf) ? (JsonObject)leaf.DeepClone()
                : modelsByName.TryGetValue(name, out var model) ? (JsonObject)models.Of(model).DeepClone()
                : throw new InvalidOperationException($"schema {name} is referred to but unknown");
            schemas[name] = schema;
            foreach (var next in ModelSchemas.References(schema))
            {
                pending.Enqueue(next);
            }
        }
    }

    private Dictionary<string, Type> ReachableModels(IEnumerable<Type> roots)
    {
        var result = new Dictionary<string, Type>(StringComparer.Ordinal);
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var t))
        {
            if (!result.TryAdd(names.Of(t), t))
            {
                continue;
            }
            foreach (var f in Timonel.Api.Schema.ModelFields.Of(t).Values)
            {
                if (f.ItemType is not null && f.ItemType != typeof(ResourceQuantity))
                {
                    pending.Push(f.ItemType);
                }
            }
        }
        return result;
    }

    private static void WithGvk(JsonObject schema, string group, string version, string kind) =>
        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });
}
