using System.Net;
using k8s.Models;

namespace Timonel.Client.Api;

/// <summary>
/// The outcome of one API call. Expected failures (404, 409, 422, ...) are values carrying the
/// server's <see cref="V1Status"/>; a broken connection is an exception (HttpRequestException).
/// </summary>
public readonly record struct ApiResult<T>(HttpStatusCode Code, T? Value, V1Status? Error)
{
    public bool Ok => (int)Code is >= 200 and < 300;
    public bool IsNotFound => Code == HttpStatusCode.NotFound;
    /// <summary>409 with reason AlreadyExists (create of an existing name).</summary>
    public bool IsAlreadyExists => Code == HttpStatusCode.Conflict && Error?.Reason == "AlreadyExists";
    /// <summary>409 with reason Conflict (stale resourceVersion on update).</summary>
    public bool IsConflict => Code == HttpStatusCode.Conflict && Error?.Reason != "AlreadyExists";
    public bool IsGone => Code == HttpStatusCode.Gone;

    /// <summary>The value of a call that must succeed; a failure here is a bug of the caller.</summary>
    public T Require() => Ok && Value is not null
        ? Value
        : throw new InvalidOperationException($"API call failed: {(int)Code} {Error?.Reason}: {Error?.Message}");

    /// <summary>For calls whose success may carry no object (delete): fails only on an error.</summary>
    public void EnsureOk()
    {
        if (!Ok)
        {
            throw new InvalidOperationException($"API call failed: {(int)Code} {Error?.Reason}: {Error?.Message}");
        }
    }

    public override string ToString() => Ok ? $"{(int)Code}" : $"{(int)Code} {Error?.Reason}: {Error?.Message}";
}

/// <summary>Options of a list or watch call; null fields are not sent.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    public int? Limit { get; init; }
    public string? Continue { get; init; }
    public string? ResourceVersion { get; init; }
    /// <summary>"NotOlderThan" or "Exact", with <see cref="ResourceVersion"/>.</summary>
    public string? ResourceVersionMatch { get; init; }
    public bool AllowWatchBookmarks { get; init; }
    public int? TimeoutSeconds { get; init; }
}

/// <summary>A list response of any kind: metadata (resourceVersion, continue) and items.</summary>
public sealed class ObjectList<T>
{
    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("items")]
    public List<T> Items { get; set; } = [];
}

/// <summary>The body types of PATCH.</summary>
public enum PatchType { Merge, StrategicMerge, Json, Apply }

/// <summary>The watch event types on the wire.</summary>
public enum WatchEventType { Added, Modified, Deleted, Bookmark, Error }

/// <summary>One watch event: the object, or for <see cref="WatchEventType.Error"/> the Status.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, V1Status? Status);
