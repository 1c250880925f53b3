using System.Globalization;

namespace Timonel.Kubelet.Streaming;

/// <summary>The query of a container log request, as the kubelet (and pods/log) take it.</summary>
/// <param name="Since">Only lines written at or after this time (sinceSeconds or sinceTime).</param>
/// <param name="TailLines">Only the last N lines (partial records joined count as one line).</param>
/// <param name="LimitBytes">Stop after this many bytes of output.</param>
public sealed record LogOptions(
    bool Follow = false,
    long? TailLines = null,
    DateTimeOffset? Since = null,
    bool Timestamps = false,
    bool Previous = false,
    long? LimitBytes = null)
{
    /// <summary>Reads the query parameters; an invalid value is an error message (400), not an exception.</summary>
    public static (LogOptions? Options, string? Error) FromQuery(Func<string, string?> get, DateTimeOffset now)
    {
        static bool Flag(string? v) => v is not null && (v.Length == 0 || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1");

        long? tail = null, limit = null;
        DateTimeOffset? since = null;
        if (get("tailLines") is { } t)
        {
            if (!long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return (null, $"invalid tailLines: {t}");
            tail = n < 0 ? null : n; // upstream: a negative tail means all lines
        }
        if (get("limitBytes") is { } l)
        {
            if (!long.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1) return (null, "limitBytes: Invalid value: must be greater than 0");
            limit = n;
        }
        var sinceSeconds = get("sinceSeconds");
        var sinceTime = get("sinceTime");
        if (sinceSeconds is not null && sinceTime is not null) return (null, "at most one of sinceTime or sinceSeconds may be specified");
        if (sinceSeconds is not null)
        {
            if (!long.TryParse(sinceSeconds, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) || s < 1) return (null, "sinceSeconds: Invalid value: must be greater than 0");
            since = now.AddSeconds(-s);
        }
        if (sinceTime is not null)
        {
            if (!DateTimeOffset.TryParse(sinceTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var st)) return (null, $"invalid sinceTime: {sinceTime}");
            since = st;
        }
        return (new LogOptions(Flag(get("follow")), tail, since, Flag(get("timestamps")), Flag(get("previous")), limit), null);
    }
}
