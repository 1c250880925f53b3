using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// What is particular to one kind on create and update: upstream's defaults and validation.
/// Both work on the object's JSON, which the caller owns (no shared or cached instance).
/// </summary>
public interface IKindStrategy
{
    /// <summary>Fills in the fields upstream defaults (e.g. Deployment strategy 25%/25%).</summary>
    void Default(JsonObject obj);

    /// <summary>What is wrong with the object, each with its field path; empty when valid.</summary>
    IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old);
}

/// <summary>The strategies of the kinds that have one; other kinds get only generic metadata checks.</summary>
public static class KindStrategies
{
    private static readonly Dictionary<(string Group, string Kind), IKindStrategy> Registered = new()
    {
        [("", "Namespace")] = new NamespaceStrategy(),
    };

    public static IKindStrategy? For(string group, string kind) => Registered.GetValueOrDefault((group, kind));

    public static void Register(string group, string kind, IKindStrategy strategy) => Registered[(group, kind)] = strategy;
}
