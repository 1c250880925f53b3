using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// /openapi/v3: a root listing one document per group-version, and those documents. Each kind has
/// a patch operation carrying <c>x-kubernetes-group-version-kind</c> and a <c>fieldValidation</c>
/// parameter, which tells kubectl to leave field validation to the server.
/// </summary>
public sealed class OpenApiDocuments(ResourceRegistry registry)
{
    private readonly ConcurrentDictionary<string, (string Json, string Hash)> _documents = new();

    public static string PathOf(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var g in registry.Groups)
        {
            foreach (var v in g.Versions)
            {
                var path = PathOf(g.Name, v);
                var (_, hash) = Document(path)!.Value;
                paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={hash}" };
            }
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The JSON and hash of one group-version document, or null when no such group-version.</summary>
    public (string Json, string Hash)? Document(string path)
    {
        if (_documents.TryGetValue(path, out var cached))
        {
            return cached;
        }
        var resources = registry.Resources.Where(r => PathOf(r.Group, r.Version) == path).ToList();
        if (resources.Count == 0)
        {
            return null;
        }
        var json = SchemaBuilder.BuildDocument(resources).ToJsonString();
        var hash = Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(json)));
        return _documents.GetOrAdd(path, (json, hash));
    }
}
