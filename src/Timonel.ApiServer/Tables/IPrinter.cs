using System.Text.Json.Nodes;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Tables;

/// <summary>The columns of one kind's table and the cells of one object's row.</summary>
public interface IPrinter
{
    JsonArray Columns();
    JsonArray Cells(JsonObject obj, DateTimeOffset now);
}

/// <summary>The printers by kind; kinds without one get Name and Age.</summary>
public static class Printers
{
    private static readonly Dictionary<(string Group, string Kind), IPrinter> ByKind = new();
    private static readonly IPrinter Default = new DefaultPrinter();

    public static IPrinter For(ResourceInfo resource) => ByKind.GetValueOrDefault((resource.Group, resource.Kind)) ?? Default;

    public static void Register(string group, string kind, IPrinter printer) => ByKind[(group, kind)] = printer;

    public static JsonObject Column(string name, string type, string description, int priority = 0, string format = "") => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["format"] = format,
        ["description"] = description,
        ["priority"] = priority,
    };

    /// <summary>Age as kubectl prints it: 5s, 3m, 2h, 4d, then years.</summary>
    public static string Age(JsonObject obj, DateTimeOffset now)
    {
        var created = ObjectMeta.ParseTimestamp(ObjectMeta.Str(obj["metadata"] as JsonObject, "creationTimestamp"));
        return created is null ? "<unknown>" : HumanDuration(now - created.Value);
    }

    public static string HumanDuration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) return "<invalid>";
        var s = (long)d.TotalSeconds;
        if (s < 120) return $"{s}s";
        var m = s / 60;
        if (m < 10) return s % 60 == 0 ? $"{m}m" : $"{m}m{s % 60}s";
        if (m < 180) return $"{m}m";
        var h = m / 60;
        if (h < 8) return m % 60 == 0 ? $"{h}h" : $"{h}h{m % 60}m";
        if (h < 48) return $"{h}h";
        var days = h / 24;
        if (days < 8) return h % 24 == 0 ? $"{days}d" : $"{days}d{h % 24}h";
        if (days < 365 * 2) return $"{days}d";
        var years = days / 365;
        if (years < 8) return days % 365 == 0 ? $"{years}y" : $"{years}y{days % 365}d";
        return $"{years}y";
    }

    private sealed class DefaultPrinter : IPrinter
    {
        public JsonArray Columns() =>
        [
            Column("Name", "string", "Name must be unique within a namespace.", format: "name"),
            Column("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created."),
        ];

        public JsonArray Cells(JsonObject obj, DateTimeOffset now) => [ObjectMeta.Name(obj), Age(obj, now)];
    }
}
