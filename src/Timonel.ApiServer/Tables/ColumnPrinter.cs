using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Tables;

/// <summary>One column definition of a kind's table.</summary>
public sealed record ColumnSpec(string Name, string Type, string Description, int Priority = 0, string Format = "")
{
    public static ColumnSpec NameColumn { get; } = new("Name", "string", "The object's name, unique within its namespace.", Format: "name");
    public static ColumnSpec AgeColumn { get; } = new("Age", "string", "Time since the server created the object.");

    public static ColumnSpec Wide(string name, string description, string type = "string") => new(name, type, description, Priority: 1);
}

/// <summary>
/// A printer given by its column definitions and a function from object to cells, in column order.
/// Cells are strings, longs or booleans, as upstream's column types say.
/// </summary>
public sealed class ColumnPrinter(IReadOnlyList<ColumnSpec> columns, Func<JsonObject, DateTimeOffset, object?[]> cells) : IPrinter
{
    public IReadOnlyList<ColumnSpec> Specs => columns;

    public JsonArray Columns() =>
        new(columns.Select(c => (JsonNode)Printers.Column(c.Name, c.Type, c.Description, c.Priority, c.Format)).ToArray());

    public JsonArray Cells(JsonObject obj, DateTimeOffset now)
    {
        var values = cells(obj, now);
        if (values.Length != columns.Count)
        {
            throw new InvalidOperationException($"printer produced {values.Length} cells for {columns.Count} columns");
        }
        return new JsonArray(values.Select(ToNode).ToArray());
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create((long)i),
        bool b => JsonValue.Create(b),
        _ => throw new InvalidOperationException($"unsupported cell type {value.GetType()}"),
    };
}
