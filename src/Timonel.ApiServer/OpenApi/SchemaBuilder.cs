using System.Text.Json.Nodes;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.OpenApi;

/// <summary>Builds one OpenAPI v3 document for the resources of a group-version.</summary>
public static class SchemaBuilder
{
    public static JsonObject BuildDocument(IReadOnlyList<ResourceInfo> resources)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var r in resources)
        {
            var schemaName = SchemaName(r);
            schemas[schemaName] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = $"{r.Kind} ({r.ApiVersion})",
                ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind }),
            };
            var itemPath = r.Namespaced
                ? $"/{OpenApiDocuments.PathOf(r.Group, r.Version)}/namespaces/{{namespace}}/{r.Plural}/{{name}}"
                : $"/{OpenApiDocuments.PathOf(r.Group, r.Version)}/{r.Plural}/{{name}}";
            paths[itemPath] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{r.Kind}",
                    ["parameters"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "fieldValidation",
                        ["in"] = "query",
                        ["description"] = "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
                        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
                    }),
                    ["responses"] = new JsonObject
                    {
                        ["200"] = new JsonObject
                        {
                            ["description"] = "OK",
                            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" } } },
                        },
                    },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    /// <summary>Upstream's schema names, e.g. io.k8s.api.apps.v1.Deployment.</summary>
    public static string SchemaName(ResourceInfo r)
    {
        var group = r.Group.Length == 0 ? "core" : r.Group.Replace(".k8s.io", "", StringComparison.Ordinal).Replace(".authorization", "", StringComparison.Ordinal);
        return $"io.k8s.api.{group}.{r.Version}.{r.Kind}";
    }
}
