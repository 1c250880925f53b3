using System.Text.Json.Nodes;

namespace Timonel.Api.Errors;

/// <summary>One cause of an <see cref="ApiError"/>: a field path and what is wrong with it.</summary>
public sealed record ErrorCause(string Reason, string Message, string? Field = null);

/// <summary>
/// An expected failure of an API request, carried as a value until it is written as a
/// Kubernetes <c>Status</c> object with its HTTP code.
/// </summary>
public sealed record ApiError(int Code, string Reason, string Message)
{
    public string? Name { get; init; }
    public string? Group { get; init; }
    public string? Kind { get; init; }
    public IReadOnlyList<ErrorCause> Causes { get; init; } = [];
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Write details even when there is nothing in them (see <see cref="NoSuchPath"/>).</summary>
    public bool EmptyDetails { get; init; }

    public static ApiError NotFound(string qualifiedResource, string name, string group = "") =>
        new(404, "NotFound", $"{qualifiedResource} \"{name}\" not found") { Name = name, Group = group, Kind = ResourceOf(qualifiedResource) };

    public static ApiError AlreadyExists(string qualifiedResource, string name, string group = "") =>
        new(409, "AlreadyExists", $"{qualifiedResource} \"{name}\" already exists") { Name = name, Group = group, Kind = ResourceOf(qualifiedResource) };

    public static ApiError Conflict(string qualifiedResource, string name, string group = "") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {qualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again")
        { Name = name, Group = group, Kind = ResourceOf(qualifiedResource) };

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>
    /// A path the server does not serve (an unknown group, resource or subresource). Its details
    /// are present and empty, as upstream's: kubectl tells this 404 from a missing object's by
    /// reading details.name (`kubectl debug` dereferences details).
    /// </summary>
    public static ApiError NoSuchPath() => new(404, "NotFound", "the server could not find the requested resource") { EmptyDetails = true };

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiError UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got \"{contentType}\")");

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError Forbidden(string message) => new(403, "Forbidden", message);

    public static ApiError Gone(string message) => new(410, "Expired", message);

    public static ApiError Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    public static ApiError Unavailable(string message) => new(503, "ServiceUnavailable", message) { RetryAfterSeconds = 1 };

    /// <summary>
    /// 422 Invalid as upstream words it: <c>Deployment.apps "web" is invalid: [a, b]</c> with one cause per field.
    /// </summary>
    public static ApiError Invalid(string kind, string group, string name, IReadOnlyList<ErrorCause> causes)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        // Upstream aggregates the causes' texts without repeats: none, one bare, several in brackets.
        var described = causes.Select(Describe).Distinct(StringComparer.Ordinal).ToList();
        var message = described.Count switch
        {
            0 => $"{qualifiedKind} \"{name}\" is invalid",
            1 => $"{qualifiedKind} \"{name}\" is invalid: {described[0]}",
            _ => $"{qualifiedKind} \"{name}\" is invalid: [{string.Join(", ", described)}]",
        };
        return new(422, "Invalid", message) { Name = name, Group = group, Kind = kind, Causes = causes };
    }

    /// <summary>A cause as upstream's field error prints it: <c>field: message</c>.</summary>
    private static string Describe(ErrorCause c) => c.Field is null ? c.Message : $"{c.Field}: {c.Message}";

    private static string ResourceOf(string qualifiedResource)
    {
        var dot = qualifiedResource.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? qualifiedResource : qualifiedResource[..dot];
    }

    /// <summary>The Status object for this error.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        var details = new JsonObject();
        if (Name is not null) details["name"] = Name;
        if (!string.IsNullOrEmpty(Group)) details["group"] = Group;
        if (Kind is not null) details["kind"] = Kind;
        if (Causes.Count > 0)
        {
            var causes = new JsonArray();
            foreach (var c in Causes)
            {
                var cause = new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message };
                if (c.Field is not null) cause["field"] = c.Field;
                causes.Add(cause);
            }
            details["causes"] = causes;
        }
        if (RetryAfterSeconds is { } retry) details["retryAfterSeconds"] = retry;
        if (details.Count > 0 || EmptyDetails) status["details"] = details;
        status["code"] = Code;
        return status;
    }
}

/// <summary>Common cause reasons, as upstream's field error types name them.</summary>
public static class CauseReasons
{
    public const string Required = "FieldValueRequired";
    public const string Invalid = "FieldValueInvalid";
    public const string NotSupported = "FieldValueNotSupported";
    public const string Duplicate = "FieldValueDuplicate";
    public const string NotFound = "FieldValueNotFound";
    public const string Forbidden = "FieldValueForbidden";
    public const string TooLong = "FieldValueTooLong";
    public const string UnknownField = "FieldValueUnknown";
}
