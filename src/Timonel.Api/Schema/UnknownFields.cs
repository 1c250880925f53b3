using System.Text.Json.Nodes;

namespace Timonel.Api.Schema;

/// <summary>Finds the fields of an object's JSON that its model type does not have, as dotted paths.</summary>
public static class UnknownFields
{
    public static IReadOnlyList<string> Find(JsonObject obj, Type modelType)
    {
        var found = new List<string>();
        Walk(obj, modelType, "", found);
        return found;
    }

    private static void Walk(JsonObject obj, Type modelType, string path, List<string> found)
    {
        var fields = ModelFields.Of(modelType);
        if (fields.Count == 0)
        {
            return;
        }
        foreach (var (key, value) in obj)
        {
            var fieldPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!fields.TryGetValue(key, out var field))
            {
                found.Add(fieldPath);
                continue;
            }
            if (field.ItemType is null || value is null)
            {
                continue;
            }
            switch (field.Shape)
            {
                case FieldShape.Object when value is JsonObject child:
                    Walk(child, field.ItemType, fieldPath, found);
                    break;
                case FieldShape.List when value is JsonArray items:
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item) Walk(item, field.ItemType, $"{fieldPath}[{i}]", found);
                    }
                    break;
                case FieldShape.Map when value is JsonObject map:
                    foreach (var (k, v) in map)
                    {
                        if (v is JsonObject entry) Walk(entry, field.ItemType, $"{fieldPath}.{k}", found);
                    }
                    break;
            }
        }
    }
}
