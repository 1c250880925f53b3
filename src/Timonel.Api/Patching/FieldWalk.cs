// The field sets of FieldPaths, built by walking JSON trees: Of walks one object, Compare walks the
// old and new object together and yields only the members added or changed (Changed) and the
// members gone (Removed), without building either object's whole set.
//
// Why the simultaneous walk gives the same sets as comparing Of(old) with Of(new): membership at a
// path depends only on the value there and its schema field, and every node has one of three shapes
// (granular map, associative list, leaf). Two shapes never share a member (a leaf owns its own path,
// a map only paths "f:" below it, a list only item paths "k:"/"v:" below it), so when the shapes
// differ every member of the new value is added and every member of the old one removed. A leaf in
// both is changed when its values differ; an item in both is not changed itself, only its fields.
//
// The path being walked is a stack of frames whose FieldSet nodes are created only when a member is
// recorded at or below them, so unchanged subtrees allocate nothing.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

internal sealed class FieldWalk
{
    /// <summary>Where in the object a map is: the top level and metadata hide identity fields.</summary>
    private enum Level { Top, Metadata, Below }

    private struct Frame
    {
        public string Text;
        public bool IsField;
        public FieldSet? Changed;
        public FieldSet? Removed;
    }

    private readonly string? subresource;
    private readonly bool withoutManagedFields;
    private Frame[] frames = new Frame[16];
    private int depth;

    private FieldWalk(string? subresource, bool withoutManagedFields, FieldSet changed, FieldSet removed)
    {
        this.subresource = subresource;
        this.withoutManagedFields = withoutManagedFields;
        frames[0].Changed = changed;
        frames[0].Removed = removed;
    }

    /// <summary>The owned-field set of an object; status is tracked only through the status subresource.</summary>
    public static FieldSet Of(JsonObject? obj, PatchSchema schema, string? subresource)
    {
        var set = new FieldSet();
        if (obj is not null)
        {
            new FieldWalk(subresource, false, set, new FieldSet()).AddObject(obj, schema, Level.Top, removed: false);
        }
        return set;
    }

    /// <param name="withoutManagedFields">Compare as if both objects had no metadata.managedFields (the tracker's view).</param>
    public static (FieldSet Changed, FieldSet Removed) Compare(JsonObject? before, JsonObject after, PatchSchema schema, string? subresource,
        bool withoutManagedFields)
    {
        var changed = new FieldSet();
        var removed = new FieldSet();
        var walk = new FieldWalk(subresource, withoutManagedFields, changed, removed);
        if (before is null)
        {
            walk.AddObject(after, schema, Level.Top, removed: false);
        }
        else
        {
            walk.DiffObject(before, after, schema, Level.Top);
        }
        return (changed, removed);
    }

    private void DiffObject(JsonObject before, JsonObject after, PatchSchema schema, Level level)
    {
        foreach (var (key, now) in after)
        {
            if (now is null || Hidden(level, key))
            {
                continue;
            }
            Push(key, isField: true);
            var field = schema.Field(key);
            if (before.TryGetPropertyValue(key, out var was) && was is not null)
            {
                DiffValue(was, now, field, Inner(level, key));
            }
            else
            {
                AddValue(now, field, Inner(level, key), removed: false);
            }
            Pop();
        }
        foreach (var (key, was) in before)
        {
            if (was is null || Hidden(level, key) || after[key] is not null)
            {
                continue;
            }
            Push(key, isField: true);
            AddValue(was, schema.Field(key), Inner(level, key), removed: true);
            Pop();
        }
    }

    private void DiffValue(JsonNode was, JsonNode now, PatchField field, Level level)
    {
        var wasMap = IsGranularMap(was, field, level);
        var nowMap = IsGranularMap(now, field, level);
        var wasItems = wasMap ? null : ItemsOf(was, field);
        var nowItems = nowMap ? null : ItemsOf(now, field);
        if (wasMap && nowMap)
        {
            DiffObject((JsonObject)was, (JsonObject)now, field.Schema, level);
        }
        else if (wasItems is not null && nowItems is not null)
        {
            DiffItems((JsonArray)was, wasItems, (JsonArray)now, nowItems, field.Schema);
        }
        else if (!wasMap && !nowMap && wasItems is null && nowItems is null)
        {
            if (!JsonValues.DeepEquals(was, now))
            {
                Record(removed: false);
            }
        }
        else
        {
            AddValue(now, field, level, removed: false);
            AddValue(was, field, level, removed: true);
        }
    }

    private void DiffItems(JsonArray was, string[] wasItems, JsonArray now, string[] nowItems, PatchSchema schema)
    {
        for (var i = 0; i < nowItems.Length; i++)
        {
            Push(nowItems[i], isField: false);
            var match = Array.IndexOf(wasItems, nowItems[i]);
            if (match < 0)
            {
                AddItem(now[i], schema, removed: false);
            }
            else if (now[i] is JsonObject nowItem && was[match] is JsonObject wasItem)
            {
                DiffObject(wasItem, nowItem, schema, Level.Below);
            }
            Pop();
        }
        for (var j = 0; j < wasItems.Length; j++)
        {
            if (Array.IndexOf(nowItems, wasItems[j]) < 0)
            {
                Push(wasItems[j], isField: false);
                AddItem(was[j], schema, removed: true);
                Pop();
            }
        }
    }

    private void AddObject(JsonObject obj, PatchSchema schema, Level level, bool removed)
    {
        foreach (var (key, value) in obj)
        {
            if (value is null || Hidden(level, key))
            {
                continue;
            }
            Push(key, isField: true);
            AddValue(value, schema.Field(key), Inner(level, key), removed);
            Pop();
        }
    }

    private void AddValue(JsonNode value, PatchField field, Level level, bool removed)
    {
        if (IsGranularMap(value, field, level))
        {
            AddObject((JsonObject)value, field.Schema, level, removed);
        }
        else if (ItemsOf(value, field) is { } items)
        {
            var list = (JsonArray)value;
            for (var i = 0; i < items.Length; i++)
            {
                Push(items[i], isField: false);
                AddItem(list[i], field.Schema, removed);
                Pop();
            }
        }
        else
        {
            Record(removed);
        }
    }

    private void AddItem(JsonNode? item, PatchSchema schema, bool removed)
    {
        Record(removed);
        if (item is JsonObject map)
        {
            AddObject(map, schema, Level.Below, removed);
        }
    }

    /// <summary>A map owned field by field; an empty map (nothing but nulls) or a replace-whole one is a leaf.</summary>
    private bool IsGranularMap(JsonNode value, PatchField field, Level level)
    {
        if (value is not JsonObject map || field.ReplaceWhole)
        {
            return false;
        }
        foreach (var (key, child) in map)
        {
            if (child is not null && !(withoutManagedFields && level == Level.Metadata && key == "managedFields"))
            {
                return true;
            }
        }
        return false;
    }

    private static string[]? ItemsOf(JsonNode value, PatchField field) =>
        value is JsonArray { Count: > 0 } list ? FieldPaths.ItemElements(list, field) : null;

    private bool Hidden(Level level, string key) => level switch
    {
        Level.Top => key is "apiVersion" or "kind" || (key == "status") != (subresource == "status"),
        Level.Metadata => FieldPaths.IsIdentity(key),
        _ => false,
    };

    private static Level Inner(Level level, string key) =>
        level == Level.Top && key == "metadata" ? Level.Metadata : Level.Below;

    private void Push(string text, bool isField)
    {
        if (++depth == frames.Length)
        {
            Array.Resize(ref frames, frames.Length * 2);
        }
        frames[depth] = new Frame { Text = text, IsField = isField };
    }

    private void Pop() => frames[depth--] = default;

    private void Record(bool removed) => NodeAt(depth, removed).MarkMember();

    private FieldSet NodeAt(int at, bool removed)
    {
        ref var frame = ref frames[at];
        var node = removed ? frame.Removed : frame.Changed;
        if (node is null)
        {
            node = NodeAt(at - 1, removed).Child(frame.IsField ? "f:" + frame.Text : frame.Text);
            if (removed)
            {
                frame.Removed = node;
            }
            else
            {
                frame.Changed = node;
            }
        }
        return node;
    }
}
