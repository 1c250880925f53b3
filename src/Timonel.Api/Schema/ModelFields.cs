using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Timonel.Api.Schema;

/// <summary>How a JSON field's value is shaped: a nested object, a list or map of something, or a leaf.</summary>
public enum FieldShape { Leaf, Object, List, Map, Any }

/// <summary>One JSON field of a model type: its shape and, for objects/lists/maps, the model of its items.</summary>
public sealed record ModelField(string JsonName, FieldShape Shape, Type? ItemType);

/// <summary>
/// The JSON fields of the KubernetesClient model types, found once per type by reflection over
/// their <see cref="JsonPropertyNameAttribute"/>s and cached: the server's picture of a kind's schema.
/// </summary>
public static class ModelFields
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, ModelField>> Cache = new();

    /// <summary>The fields of a model type; empty for types that are not models.</summary>
    public static IReadOnlyDictionary<string, ModelField> Of(Type modelType) => Cache.GetOrAdd(modelType, Build);

    /// <summary>True for the KubernetesClient classes that are JSON objects with known fields.</summary>
    public static bool IsModel(Type t) => t.IsClass && t.Namespace == "k8s.Models" && t.GetProperties().Any(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null);

    private static IReadOnlyDictionary<string, ModelField> Build(Type type)
    {
        var fields = new Dictionary<string, ModelField>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is null)
            {
                continue;
            }
            fields[name] = Describe(name, p.PropertyType);
        }
        return fields;
    }

    private static ModelField Describe(string name, Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(object))
        {
            return new(name, FieldShape.Any, null);
        }
        if (t == typeof(string) || t.IsPrimitive || t == typeof(DateTime) || t == typeof(byte[]) || !t.IsClass && !t.IsInterface)
        {
            return new(name, FieldShape.Leaf, null);
        }
        var dict = FindGeneric(t, typeof(IDictionary<,>));
        if (dict is not null)
        {
            return new(name, FieldShape.Map, ItemModel(dict.GetGenericArguments()[1]));
        }
        var list = FindGeneric(t, typeof(IEnumerable<>));
        if (list is not null)
        {
            return new(name, FieldShape.List, ItemModel(list.GetGenericArguments()[0]));
        }
        return IsModel(t) ? new(name, FieldShape.Object, t) : new(name, FieldShape.Leaf, null);
    }

    private static Type? ItemModel(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return IsModel(t) ? t : null;
    }

    private static Type? FindGeneric(Type t, Type definition)
    {
        if (t.IsGenericType && t.GetGenericTypeDefinition() == definition)
        {
            return t;
        }
        return t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
    }
}
