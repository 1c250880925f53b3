using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// /openapi/v3: a root listing one document per group-version, and those documents. A document is
/// built on its first request and cached for the life of the process. Its hash (in the root's
/// serverRelativeURL and the ETag) is computed from what the document is generated from, the
/// served resources and the generator and model assemblies, so listing the root never builds documents.
/// </summary>
public sealed class OpenApiDocuments
{
    private readonly ResourceRegistry _registry;
    private readonly Lazy<SchemaBuilder> _builder;
    private readonly ConcurrentDictionary<string, Lazy<string?>> _documents = new();
    private readonly Dictionary<string, string> _hashes;

    public OpenApiDocuments(ResourceRegistry registry)
    {
        _registry = registry;
        _builder = new(() =>
        {
            var names = new SchemaNames(registry.Resources);
            return new SchemaBuilder(names, new ModelSchemas(names));
        });
        _hashes = registry.Resources.GroupBy(r => PathOf(r.Group, r.Version))
            .ToDictionary(g => g.Key, g => InputHash(g.Key, g), StringComparer.Ordinal);
    }

    public static string PathOf(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (path, hash) in _hashes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={hash}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The JSON and hash of one group-version document, or null when no such group-version.</summary>
    public (string Json, string Hash)? Document(string path)
    {
        if (!_hashes.TryGetValue(path, out var hash))
        {
            return null;
        }
        var json = _documents.GetOrAdd(path, p => new Lazy<string?>(() => Build(p))).Value;
        return json is null ? null : (json, hash);
    }

    /// <summary>
    /// Serves a document with its ETag. A request naming the current hash gets
    /// <c>Cache-Control: public, immutable</c> (the URL then identifies the content); other requests
    /// must revalidate. Returns false, writing nothing, when there is no such document.
    /// </summary>
    public async Task<bool> WriteAsync(HttpContext context, string path)
    {
        if (Document(path) is not var (json, hash))
        {
            return false;
        }
        var etag = $"\"{hash}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = context.Request.Query["hash"] == hash ? "public, immutable" : "no-cache, private";
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return true;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, context.RequestAborted);
        return true;
    }

    private string? Build(string path)
    {
        var resources = _registry.Resources.Where(r => PathOf(r.Group, r.Version) == path).ToList();
        return resources.Count == 0 ? null : _builder.Value.BuildDocument(resources).ToJsonString();
    }

    /// <summary>
    /// The document is a pure function of its resources, this assembly (the generator) and the
    /// KubernetesClient assembly (models and their docs), so hashing those identifies its content.
    /// </summary>
    private static string InputHash(string path, IEnumerable<ResourceInfo> resources)
    {
        var sb = new StringBuilder(path);
        sb.Append('|').Append(typeof(OpenApiDocuments).Assembly.ManifestModule.ModuleVersionId);
        foreach (var r in resources)
        {
            sb.Append('|').Append(r.Kind).Append(',').Append(r.Plural).Append(',').Append(r.Namespaced)
              .Append(',').Append(r.ModelType.AssemblyQualifiedName).Append(',').Append(r.ModelType.Assembly.ManifestModule.ModuleVersionId);
        }
        return Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
