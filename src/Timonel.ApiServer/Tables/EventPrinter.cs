using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>
/// core/v1 Events: Last Seen, Type, Reason, Object, Message; wide Subobject, Source, First Seen, Count, Name
/// (wide columns interleave with the others, in upstream's order).
/// </summary>
internal static class EventPrinter
{
    public static readonly IPrinter Instance = new ColumnPrinter(
    [
        new("Last Seen", "string", "Time since the event was last observed."),
        new("Type", "string", "Normal or Warning."),
        new("Reason", "string", "Why the event happened, in CamelCase."),
        new("Object", "string", "The object the event is about, as kind/name."),
        ColumnSpec.Wide("Subobject", "The part of the object, e.g. a container's field path."),
        ColumnSpec.Wide("Source", "The component (and host) that reported the event."),
        new("Message", "string", "What happened, for humans."),
        ColumnSpec.Wide("First Seen", "Time since the event was first observed."),
        ColumnSpec.Wide("Count", "How many times the event was observed."),
        new("Name", "string", "The event's name.", Priority: 1, Format: "name"),
    ], Cells);

    private static object?[] Cells(JsonObject ev, DateTimeOffset now)
    {
        // Events written through events.k8s.io carry eventTime and series instead of the timestamps and count.
        var first = Str(ev, "firstTimestamp") is { Length: > 0 } f ? f : Str(ev, "eventTime");
        var firstSeen = Printers.Since(first, now);
        var lastSeen = Str(ev, "lastTimestamp") is { Length: > 0 } l ? Printers.Since(l, now) : firstSeen;
        var count = LongOr0(ev, "count");
        if (Obj(ev, "series") is { } series)
        {
            lastSeen = Printers.Since(Str(series, "lastObservedTime"), now);
            count = LongOr0(series, "count");
        }
        else if (count == 0)
        {
            count = 1;
        }

        var involved = Obj(ev, "involvedObject");
        var kind = Text(involved, "kind").ToLowerInvariant();
        var target = Str(involved, "name") is { Length: > 0 } name ? $"{kind}/{name}" : kind;

        var component = FirstNonEmpty(Str(ev, "source", "component"), Str(ev, "reportingComponent"));
        var instance = FirstNonEmpty(Str(ev, "source", "host"), Str(ev, "reportingInstance"));
        var source = instance.Length == 0 ? component : $"{component}, {instance}";

        return
        [
            lastSeen, Text(ev, "type"), Text(ev, "reason"), target, Text(involved, "fieldPath"), source,
            Text(ev, "message").Trim(), firstSeen, count, ObjectMeta.Name(ev),
        ];
    }

    private static string FirstNonEmpty(string? a, string? b) => !string.IsNullOrEmpty(a) ? a : b ?? "";
}
