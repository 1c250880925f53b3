using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>Writes JSON bodies and Status errors.</summary>
public static class Responses
{
    public const string Json = "application/json";

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = Json;
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonBytes.WriterOptions);
        body.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// A List of objects, written item by item: the items may be shared (watch cache) objects,
    /// which must not be attached to a new parent node.
    /// </summary>
    public static async Task WriteListAsync(HttpContext context, Api.Scheme.ResourceInfo resource, ListPage page)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = Json;
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonBytes.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("kind", resource.ListKind);
        writer.WriteString("apiVersion", resource.ApiVersion);
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", page.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (page.Continue is not null) writer.WriteString("continue", page.Continue);
        if (page.RemainingItemCount is { } remaining) writer.WriteNumber("remainingItemCount", remaining);
        writer.WriteEndObject();
        writer.WriteStartArray("items");
        for (var i = 0; i < page.Items.Count; i++)
        {
            page.Items[i].WriteTo(writer);
            if (writer.BytesPending > 32 * 1024) await writer.FlushAsync(context.RequestAborted);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>A List of stored objects, copied as bytes with each resourceVersion spliced in.</summary>
    /// <remarks>Metadata only: a PartialObjectMetadataList of the items' metadata.</remarks>
    public static async Task WriteStoredListAsync(HttpContext context, Api.Scheme.ResourceInfo resource, Page<Timonel.Storage.KeyValue> page, bool metadataOnly = false)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = Json;
        var output = context.Response.BodyWriter;
        WriteListHeader(output, resource, ListMetadata(page.Revision, page.Continue, page.RemainingItemCount), metadataOnly);
        for (var i = 0; i < page.Items.Count; i++)
        {
            if (i > 0) output.Write(","u8);
            if (metadataOnly) StoredJson.WriteMetadataWithResourceVersion(output, page.Items[i].Value.Span, page.Items[i].ModRevision);
            else StoredJson.WriteWithResourceVersion(output, page.Items[i].Value.Span, page.Items[i].ModRevision);
            if (output.UnflushedBytes > 64 * 1024) await output.FlushAsync(context.RequestAborted);
        }
        output.Write("]}"u8);
        await output.FlushAsync(context.RequestAborted);
    }

    /// <summary>A List of watch-cache objects, copied as bytes.</summary>
    public static async Task WriteCachedListAsync(HttpContext context, Api.Scheme.ResourceInfo resource, Page<CachedObject> page, bool metadataOnly)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = Json;
        var output = context.Response.BodyWriter;
        var items = page.Items;
        WriteListHeader(output, resource, ListMetadata(page.Revision, page.Continue, page.RemainingItemCount), metadataOnly);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) output.Write(","u8);
            if (metadataOnly) items[i].WriteMetadataTo(output);
            else items[i].WriteTo(output);
            if (output.UnflushedBytes > 64 * 1024) await output.FlushAsync(context.RequestAborted);
        }
        output.Write("]}"u8);
        await output.FlushAsync(context.RequestAborted);
    }

    /// <summary>The List's kind, apiVersion and metadata, and the opening of its items array.</summary>
    private static void WriteListHeader(System.IO.Pipelines.PipeWriter output, Api.Scheme.ResourceInfo resource, JsonObject metadata, bool metadataOnly)
    {
        var header = new JsonObject
        {
            ["kind"] = metadataOnly ? PartialMetadata.ListKind : resource.ListKind,
            ["apiVersion"] = metadataOnly ? PartialMetadata.ApiVersion : resource.ApiVersion,
            ["metadata"] = metadata,
        };
        var headerBytes = JsonBytes.ToUtf8(header);
        output.Write(headerBytes.AsSpan(0, headerBytes.Length - 1)); // without the closing brace
        output.Write(",\"items\":["u8);
    }

    /// <summary>A list's metadata: its resourceVersion, and continue and remainingItemCount when paged.</summary>
    internal static JsonObject ListMetadata(long revision, string? cont, long? remaining)
    {
        var meta = new JsonObject { ["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (cont is not null) meta["continue"] = cont;
        if (remaining is { } r) meta["remainingItemCount"] = r;
        return meta;
    }

    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (error.RetryAfterSeconds is { } retry)
        {
            context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return WriteJsonAsync(context, error.Code, error.ToStatus());
    }

    /// <summary>A <c>Status</c> of success, as deletes of most resources answer.</summary>
    public static JsonObject Success(string name, string kind, string? uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["kind"] = kind, ["uid"] = uid },
    };

    /// <summary>Adds a <c>Warning</c> header as upstream does: <c>299 - "text"</c>.</summary>
    public static void AddWarning(HttpContext context, string text) =>
        context.Response.Headers.Append("Warning", $"299 - \"{text.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
}
