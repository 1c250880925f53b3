using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Tables;

/// <summary>
/// Answers <c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c> with a meta.k8s.io/v1 Table:
/// the kind's upstream columns where a printer exists, Name and Age otherwise. Each row carries
/// the object's metadata (kubectl reads namespace and labels from it).
/// </summary>
public sealed class TableWriter(TimeProvider time)
{
    public bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("as=Table", StringComparison.Ordinal));

    public JsonObject ForList(ResourceInfo resource, ListPage page, HttpRequest request)
    {
        var printer = Printers.For(resource);
        var meta = new JsonObject { ["resourceVersion"] = page.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (page.Continue is not null) meta["continue"] = page.Continue;
        if (page.RemainingItemCount is { } r) meta["remainingItemCount"] = r;
        var includeObject = request.Query["includeObject"].ToString();
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = printer.Columns(),
            ["rows"] = new JsonArray(page.Items.Select(i => (JsonNode)Row(printer, i, includeObject)).ToArray()),
        };
    }

    public JsonObject ForObject(ResourceInfo resource, JsonObject obj, HttpRequest request)
    {
        var printer = Printers.For(resource);
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = ObjectMeta.ResourceVersion(obj) },
            ["columnDefinitions"] = printer.Columns(),
            ["rows"] = new JsonArray(Row(printer, obj, request.Query["includeObject"].ToString())),
        };
    }

    private JsonObject Row(IPrinter printer, JsonObject obj, string includeObject)
    {
        JsonNode rowObject = includeObject == "Object"
            ? obj.DeepClone()
            : new JsonObject
            {
                ["kind"] = "PartialObjectMetadata",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = obj["metadata"]?.DeepClone(),
            };
        return new JsonObject
        {
            ["cells"] = printer.Cells(obj, time.GetUtcNow()),
            ["object"] = rowObject,
        };
    }
}
