// The shape of a typed object as strategic merge and server-side apply need it: for each JSON
// field, the schema of its value (of its items, for a list), how a list merges and by which key.
//
//   PatchSchema.For(typeof(V1Deployment)) / PatchSchema.For<V1Deployment>()
//   PatchSchema.ForKind("apps/v1", "Deployment")   typed schema, or Unknown for CRDs and others
//   PatchSchema.Unknown                            every list replaced whole, every map merged
//
// The type tree comes from reflection over the KubernetesClient models ([JsonPropertyName] on
// each property), computed lazily once per type and cached for the life of the process, so no
// request pays for reflection twice. Strategies come from PatchStrategyTable (upstream's tags).
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Timonel.Api.Patching;

public enum ListMergeStrategy
{
    /// <summary>The patch's list replaces the live one (untagged lists, unknown types).</summary>
    Replace,

    /// <summary>Items are objects merged by <see cref="PatchField.MergeKey"/>.</summary>
    MergeByKey,

    /// <summary>Items are scalars merged as a set (finalizers, podCIDRs).</summary>
    MergeAsSet,
}

/// <summary>One field of a schema. For a list, <see cref="Schema"/> describes its items.</summary>
public sealed record PatchField(PatchSchema Schema, bool IsList, ListMergeStrategy ListStrategy, string? MergeKey,
    bool RetainKeys, bool ReplaceWhole);

public sealed class PatchSchema
{
    private enum Shape { Unknown, Struct, Map, Scalar }

    private static readonly ConcurrentDictionary<Type, PatchSchema> ByType = new();
    private static readonly Lazy<Dictionary<(string ApiVersion, string Kind), Type>> ByKind = new(IndexKinds);

    private readonly Shape shape;
    private readonly Lazy<Dictionary<string, PatchField>>? fields;
    private readonly PatchField? mapValue;

    public static PatchSchema Unknown { get; } = new(Shape.Unknown, null);

    private static readonly PatchSchema Scalar = new(Shape.Scalar, null);
    private static readonly PatchField UnknownField = new(Unknown, false, ListMergeStrategy.Replace, null, false, false);

    private PatchSchema(Shape shape, Type? modelType, PatchField? mapValue = null)
    {
        this.shape = shape;
        ModelType = modelType;
        this.mapValue = mapValue;
        if (shape == Shape.Struct)
        {
            fields = new Lazy<Dictionary<string, PatchField>>(() => ReflectFields(modelType!));
        }
    }

    /// <summary>The KubernetesClient model this schema mirrors; null for maps, scalars and Unknown.</summary>
    public Type? ModelType { get; }

    /// <summary>False for Unknown: no field of this value is known, lists are replaced whole.</summary>
    public bool IsTyped => shape != Shape.Unknown;

    public static PatchSchema For<T>() => For(typeof(T));

    public static PatchSchema For(Type modelType) => ByType.GetOrAdd(modelType, Create);

    /// <summary>The schema of a built-in kind, e.g. ("apps/v1", "Deployment"); Unknown otherwise.</summary>
    public static PatchSchema ForKind(string apiVersion, string kind) =>
        ByKind.Value.TryGetValue((apiVersion, kind), out var type) ? For(type) : Unknown;

    /// <summary>The field named <paramref name="jsonName"/>; an unknown field yields an Unknown field.</summary>
    public PatchField Field(string jsonName) => shape switch
    {
        Shape.Struct => fields!.Value.GetValueOrDefault(jsonName) ?? UnknownField,
        Shape.Map => mapValue!,
        _ => UnknownField,
    };

    private static PatchSchema Create(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(object) || type == typeof(System.Text.Json.JsonElement))
        {
            return Unknown;
        }
        if (IsScalar(type))
        {
            return Scalar;
        }
        var dictionary = FindGeneric(type, typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            return new PatchSchema(Shape.Map, null, FieldOf(dictionary.GetGenericArguments()[1], null));
        }
        var hasJsonFields = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Any(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null);
        return hasJsonFields ? new PatchSchema(Shape.Struct, type) : Unknown;
    }

    private static Dictionary<string, PatchField> ReflectFields(Type model)
    {
        var result = new Dictionary<string, PatchField>(StringComparer.Ordinal);
        foreach (var property in model.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is not null)
            {
                result[name] = FieldOf(property.PropertyType, PatchStrategyTable.Find(model, name));
            }
        }
        return result;
    }

    private static PatchField FieldOf(Type valueType, PatchTag? tag)
    {
        var list = valueType == typeof(string) || valueType == typeof(byte[]) ? null : FindGeneric(valueType, typeof(IEnumerable<>));
        if (list is not null && FindGeneric(valueType, typeof(IDictionary<,>)) is null)
        {
            var item = For(list.GetGenericArguments()[0]);
            return new PatchField(item, true, tag?.List ?? ListMergeStrategy.Replace, tag?.MergeKey,
                tag?.RetainKeys ?? false, false);
        }
        return new PatchField(For(valueType), false, ListMergeStrategy.Replace, null,
            tag?.RetainKeys ?? false, tag?.ReplaceWhole ?? false);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(byte[])
        || type == typeof(IntOrString) || type == typeof(ResourceQuantity);

    private static Type? FindGeneric(Type type, Type openGeneric)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == openGeneric)
        {
            return type;
        }
        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == openGeneric);
    }

    private static Dictionary<(string, string), Type> IndexKinds()
    {
        var index = new Dictionary<(string, string), Type>();
        foreach (var type in typeof(V1Pod).Assembly.GetTypes())
        {
            var entity = type.GetCustomAttribute<KubernetesEntityAttribute>();
            if (entity is null || string.IsNullOrEmpty(entity.Kind))
            {
                continue;
            }
            var apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
            index.TryAdd((apiVersion, entity.Kind), type);
        }
        return index;
    }
}
