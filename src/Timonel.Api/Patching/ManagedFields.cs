// metadata.managedFields as a list of entries: who (manager), how (operation Apply or Update,
// optional subresource), which apiVersion, when, and the owned FieldSet (fieldsType FieldsV1).
// Entries are identified by (manager, operation, subresource); upstream also separates Update
// entries per apiVersion, we keep one Update entry per manager and record its latest apiVersion.
using System.Globalization;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

public sealed record ManagedFieldsEntry(string Manager, string Operation, string? ApiVersion, string? Time,
    string? Subresource, FieldSet Fields)
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    public bool Is(string manager, string operation, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? "") == (subresource ?? "");

    /// <summary>The manager as upstream names it in a conflict: Update entries add their apiVersion.</summary>
    public string Describe()
    {
        var text = $"\"{Manager}\"";
        if (!string.IsNullOrEmpty(Subresource))
        {
            text += $" with subresource \"{Subresource}\"";
        }
        return Operation == Update ? $"{text} using {ApiVersion}" : text;
    }
}

public static class ManagedFields
{
    public static List<ManagedFieldsEntry> Read(JsonObject? obj)
    {
        var entries = new List<ManagedFieldsEntry>();
        if (obj?["metadata"]?["managedFields"] is not JsonArray list)
        {
            return entries;
        }
        foreach (var item in list.OfType<JsonObject>())
        {
            JsonValues.IsString(item["manager"], out var manager);
            JsonValues.IsString(item["operation"], out var operation);
            entries.Add(new ManagedFieldsEntry(manager, operation, Text(item["apiVersion"]), Text(item["time"]),
                Text(item["subresource"]), FieldSet.Parse(item["fieldsV1"] as JsonObject)));
        }
        return entries;
    }

    /// <summary>Writes the entries into obj.metadata.managedFields, dropping entries that own nothing.</summary>
    public static void Write(JsonObject obj, IEnumerable<ManagedFieldsEntry> entries)
    {
        var list = new JsonArray();
        foreach (var entry in entries.Where(e => !e.Fields.IsEmpty))
        {
            var item = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
                ["time"] = entry.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = entry.Fields.ToJson(),
            };
            if (!string.IsNullOrEmpty(entry.Subresource))
            {
                item["subresource"] = entry.Subresource;
            }
            list.Add(item);
        }
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            obj["metadata"] = metadata;
        }
        if (list.Count == 0)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = list;
        }
    }

    /// <summary>RFC 3339 at whole seconds, the precision upstream stores for managedFields times.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The entry for (manager, operation, subresource) with new fields, keeping its time when nothing changed.</summary>
    internal static ManagedFieldsEntry Replace(List<ManagedFieldsEntry> entries, string manager, string operation,
        string? subresource, string apiVersion, FieldSet fields, DateTimeOffset now)
    {
        var index = entries.FindIndex(e => e.Is(manager, operation, subresource));
        var previous = index >= 0 ? entries[index] : null;
        var unchanged = previous is not null && previous.ApiVersion == apiVersion && previous.Fields.SetEquals(fields);
        var entry = new ManagedFieldsEntry(manager, operation, apiVersion, unchanged ? previous!.Time : FormatTime(now),
            string.IsNullOrEmpty(subresource) ? null : subresource, fields);
        if (index >= 0)
        {
            entries[index] = entry;
        }
        else
        {
            entries.Add(entry);
        }
        return entry;
    }

    private static string? Text(JsonNode? node) => JsonValues.IsString(node, out var text) ? text : null;
}
