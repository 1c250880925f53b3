using System.Text.Json.Nodes;
using Timonel.ApiServer.Tables;

namespace Timonel.ApiServer.Tests.Tables;

/// <summary>Prints one object through the registered printer of its kind, at a fixed "now".</summary>
internal static class PrinterAssert
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An RFC 3339 timestamp this long before <see cref="Now"/>.</summary>
    public static string Ago(TimeSpan d) => (Now - d).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public static List<string> ColumnNames(string group, string kind) =>
        Printers.For(group, kind).Columns().Select(c => c!["name"]!.GetValue<string>()).ToList();

    public static List<string> WideColumnNames(string group, string kind) =>
        Printers.For(group, kind).Columns().Where(c => c!["priority"]!.GetValue<int>() == 1).Select(c => c!["name"]!.GetValue<string>()).ToList();

    /// <summary>The row's cells as text: strings as they are, numbers and booleans in JSON form, null as "null".</summary>
    public static List<string> Cells(string group, string kind, JsonObject obj)
    {
        var printer = Printers.For(group, kind);
        var cells = printer.Cells(obj, Now);
        Assert.Equal(printer.Columns().Count, cells.Count);
        return cells.Select(c => c is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : c?.ToJsonString() ?? "null").ToList();
    }

    /// <summary>Cells of the columns kubectl shows without -o wide.</summary>
    public static List<string> NarrowCells(string group, string kind, JsonObject obj)
    {
        var columns = Printers.For(group, kind).Columns();
        var cells = Cells(group, kind, obj);
        return cells.Where((_, i) => columns[i]!["priority"]!.GetValue<int>() == 0).ToList();
    }
}
