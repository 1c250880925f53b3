using System.Text.Json.Nodes;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// The REST operations of one resource as OpenAPI v3 paths. kubectl reads two things here: the
/// patch operation's <c>x-kubernetes-group-version-kind</c>, and whether it takes a
/// <c>fieldValidation</c> parameter, in which case it leaves field validation to the server.
/// </summary>
public static class PathOperations
{
    private const string Schemas = "#/components/schemas/";
    public const string PatchSchema = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
    public const string DeleteOptionsSchema = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
    public const string StatusSchema = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

    private static readonly string[] PatchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

    /// <summary>Adds the collection and item paths of a resource to <paramref name="paths"/>.</summary>
    public static void Add(JsonObject paths, ResourceInfo r, string kindSchema, string listSchema)
    {
        var root = "/" + OpenApiDocuments.PathOf(r.Group, r.Version);
        var collection = r.Namespaced ? $"{root}/namespaces/{{namespace}}/{r.Plural}" : $"{root}/{r.Plural}";
        var scope = r.Namespaced ? "Namespaced" : "";
        var id = OperationSuffix(r);
        paths[collection] = new JsonObject
        {
            ["get"] = Op(r, $"list{id}{scope}{r.Kind}", "list", ListParameters(), null, ("200", Ref(listSchema))),
            ["post"] = Op(r, $"create{id}{scope}{r.Kind}", "post", WriteParameters(), Body(["application/json", "application/yaml"], kindSchema), ("200", Ref(kindSchema)), ("201", Ref(kindSchema)), ("202", Ref(kindSchema))),
            ["delete"] = Op(r, $"deletecollection{id}{scope}{r.Kind}", "deletecollection", [.. ListParameters(), .. DeleteParameters()], Body(["application/json"], DeleteOptionsSchema), ("200", Ref(StatusSchema))),
            ["parameters"] = PathParameters(r, item: false),
        };
        paths[collection + "/{name}"] = new JsonObject
        {
            ["get"] = Op(r, $"read{id}{scope}{r.Kind}", "get", [], null, ("200", Ref(kindSchema))),
            ["put"] = Op(r, $"replace{id}{scope}{r.Kind}", "put", WriteParameters(), Body(["application/json", "application/yaml"], kindSchema), ("200", Ref(kindSchema)), ("201", Ref(kindSchema))),
            ["patch"] = Op(r, $"patch{id}{scope}{r.Kind}", "patch", [.. WriteParameters(), Query("force", "boolean", "Whether a server-side apply takes ownership of fields another manager owns.")], Body(PatchTypes, PatchSchema), ("200", Ref(kindSchema)), ("201", Ref(kindSchema))),
            ["delete"] = Op(r, $"delete{id}{scope}{r.Kind}", "delete", DeleteParameters(), Body(["application/json"], DeleteOptionsSchema), ("200", Ref(StatusSchema)), ("202", Ref(StatusSchema))),
            ["parameters"] = PathParameters(r, item: true),
        };
    }

    /// <summary>The one POST of a create-only review resource (e.g. selfsubjectaccessreviews).</summary>
    public static void AddCreateOnly(JsonObject paths, ResourceInfo r, string kindSchema)
    {
        var root = "/" + OpenApiDocuments.PathOf(r.Group, r.Version);
        paths[$"{root}/{r.Plural}"] = new JsonObject
        {
            ["post"] = Op(r, $"create{OperationSuffix(r)}{r.Kind}", "post", WriteParameters(), Body(["application/json", "application/yaml"], kindSchema), ("200", Ref(kindSchema)), ("201", Ref(kindSchema)), ("202", Ref(kindSchema))),
        };
    }

    /// <summary>"AppsV1", "CoreV1", "RbacAuthorizationV1": the operation id infix upstream uses.</summary>
    private static string OperationSuffix(ResourceInfo r)
    {
        var group = r.Group.Length == 0 ? "core" : r.Group.Replace(".k8s.io", "", StringComparison.Ordinal);
        var words = group.Split('.').Select(w => char.ToUpperInvariant(w[0]) + w[1..]);
        return string.Concat(words) + char.ToUpperInvariant(r.Version[0]) + r.Version[1..];
    }

    private static JsonObject Op(ResourceInfo r, string operationId, string action, JsonNode[] parameters, JsonObject? body,
        params (string Code, JsonObject Schema)[] results)
    {
        var responses = new JsonObject();
        foreach (var (code, schema) in results)
        {
            responses[code] = new JsonObject
            {
                ["description"] = code == "201" ? "Created" : code == "202" ? "Accepted" : "OK",
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject { ["schema"] = schema.DeepClone() },
                    ["application/yaml"] = new JsonObject { ["schema"] = schema.DeepClone() },
                },
            };
        }
        var op = new JsonObject { ["operationId"] = operationId, ["parameters"] = new JsonArray(parameters) };
        if (body is not null)
        {
            op["requestBody"] = body;
        }
        op["responses"] = responses;
        op["x-kubernetes-action"] = action;
        op["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };
        return op;
    }

    private static JsonObject Body(string[] contentTypes, string schema)
    {
        var content = new JsonObject();
        foreach (var t in contentTypes)
        {
            content[t] = new JsonObject { ["schema"] = Ref(schema) };
        }
        return new JsonObject { ["content"] = content, ["required"] = true };
    }

    private static JsonArray PathParameters(ResourceInfo r, bool item)
    {
        var list = new JsonArray();
        if (item) list.Add(PathParameter("name", $"The name of the {r.Kind}."));
        if (r.Namespaced) list.Add(PathParameter("namespace", "The namespace of the object."));
        list.Add(Query("pretty", "string", "If 'true', the output is indented."));
        return list;
    }

    private static JsonNode[] WriteParameters() =>
    [
        Query("dryRun", "string", "When 'All', the request is validated and processed but nothing is stored."),
        Query("fieldManager", "string", "The name of the actor making the change, recorded in managedFields."),
        Query("fieldValidation", "string", "How the server treats unknown or duplicate fields in the request body: Ignore, Warn or Strict."),
    ];

    private static JsonNode[] ListParameters() =>
    [
        Query("allowWatchBookmarks", "boolean", "Whether a watch may receive BOOKMARK events."),
        Query("continue", "string", "The continue token of the previous page of a paginated list."),
        Query("fieldSelector", "string", "Restricts the result to objects whose fields match."),
        Query("labelSelector", "string", "Restricts the result to objects whose labels match."),
        Query("limit", "integer", "The maximum number of objects in one page."),
        Query("resourceVersion", "string", "The resource version the list or watch starts from."),
        Query("resourceVersionMatch", "string", "How resourceVersion is applied to a list: Exact or NotOlderThan."),
        Query("sendInitialEvents", "boolean", "Whether a watch begins with the current objects, ended by a bookmark."),
        Query("timeoutSeconds", "integer", "How long the list or watch call may last."),
        Query("watch", "boolean", "Whether to stream changes instead of returning a list."),
    ];

    private static JsonNode[] DeleteParameters() =>
    [
        Query("dryRun", "string", "When 'All', the request is validated and processed but nothing is deleted."),
        Query("gracePeriodSeconds", "integer", "Seconds to wait before the object is deleted."),
        Query("propagationPolicy", "string", "Whether and how dependents are garbage collected: Orphan, Background or Foreground."),
    ];

    private static JsonObject PathParameter(string name, string description) => new()
    {
        ["name"] = name, ["in"] = "path", ["description"] = description, ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject Query(string name, string type, string description) => new()
    {
        ["name"] = name, ["in"] = "query", ["description"] = description, ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };

    private static JsonObject Ref(string schema) => new() { ["$ref"] = Schemas + schema };
}
