// A set of field paths in upstream's FieldsV1 form, the value of managedFields[].fieldsV1:
//   {"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
//      "k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}
// Path elements are kept in that textual form: "f:<field>", "k:<merge key object as JSON>" for an
// item of a keyed list, "v:<value as JSON>" for an item of a set list. A node is a member of the
// set (the path itself is owned) when it is `{}` or holds ".": {}; other nodes only carry members
// below them. The tree is mutable while being built; the set operations return new sets.
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

public sealed class FieldSet
{
    private readonly SortedDictionary<string, FieldSet> children = new(StringComparer.Ordinal);

    private bool isMember;

    public bool IsEmpty => !isMember && children.Count == 0;

    public static FieldSet Parse(JsonObject? fieldsV1)
    {
        var set = new FieldSet();
        if (fieldsV1 is not null)
        {
            set.Load(fieldsV1);
        }
        return set;
    }

    private void Load(JsonObject node)
    {
        if (node.Count == 0)
        {
            isMember = true;
            return;
        }
        foreach (var (key, value) in node)
        {
            if (key == ".")
            {
                isMember = true;
                continue;
            }
            var child = new FieldSet();
            child.Load(value as JsonObject ?? []);
            children[key] = child;
        }
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (isMember && children.Count > 0)
        {
            json["."] = new JsonObject();
        }
        foreach (var (key, child) in children)
        {
            if (!child.IsEmpty)
            {
                json[key] = child.ToJson();
            }
        }
        return json;
    }

    public void Add(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (!node.children.TryGetValue(element, out var child))
            {
                child = new FieldSet();
                node.children[element] = child;
            }
            node = child;
        }
        node.isMember = true;
    }

    public bool Contains(IReadOnlyList<string> path) => Find(path) is { isMember: true };

    /// <summary>True when the path or anything below it is a member.</summary>
    public bool ContainsAtOrBelow(IReadOnlyList<string> path) => Find(path) is { IsEmpty: false };

    private FieldSet? Find(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (!node.children.TryGetValue(element, out node))
            {
                return null;
            }
        }
        return node;
    }

    /// <summary>Every member path, parents before their children.</summary>
    public IEnumerable<IReadOnlyList<string>> Members()
    {
        var result = new List<IReadOnlyList<string>>();
        Collect(new List<string>(), result);
        return result;
    }

    private void Collect(List<string> prefix, List<IReadOnlyList<string>> into)
    {
        if (isMember)
        {
            into.Add(prefix.ToArray());
        }
        foreach (var (key, child) in children)
        {
            prefix.Add(key);
            child.Collect(prefix, into);
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    // The set operations walk both trees together. Every tree here is pruned (each leaf node is a
    // member: Parse, Add and these operations never leave an empty node below the root), so a node
    // is copied or merged whole and a result node is kept only when it is not empty.

    public FieldSet Union(FieldSet other)
    {
        var result = Copy();
        result.MergeFrom(other);
        return result;
    }

    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet { isMember = isMember && !other.isMember };
        foreach (var (key, child) in children)
        {
            var rest = other.children.TryGetValue(key, out var taken) ? child.Difference(taken) : child.Copy();
            if (!rest.IsEmpty)
            {
                result.children.Add(key, rest);
            }
        }
        return result;
    }

    public FieldSet Intersect(FieldSet other)
    {
        var result = new FieldSet { isMember = isMember && other.isMember };
        foreach (var (key, child) in children)
        {
            if (other.children.TryGetValue(key, out var shared) && child.Intersect(shared) is { IsEmpty: false } both)
            {
                result.children.Add(key, both);
            }
        }
        return result;
    }

    private FieldSet Copy()
    {
        var copy = new FieldSet { isMember = isMember };
        foreach (var (key, child) in children)
        {
            copy.children.Add(key, child.Copy());
        }
        return copy;
    }

    private void MergeFrom(FieldSet other)
    {
        isMember |= other.isMember;
        foreach (var (key, child) in other.children)
        {
            if (children.TryGetValue(key, out var mine))
            {
                mine.MergeFrom(child);
            }
            else
            {
                children.Add(key, child.Copy());
            }
        }
    }

    /// <summary>The child node for one path element, created empty when missing (the caller makes it non-empty).</summary>
    internal FieldSet Child(string element)
    {
        if (!children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            children.Add(element, child);
        }
        return child;
    }

    internal void MarkMember() => isMember = true;

    /// <summary>This set without any member at or below one of the given prefixes.</summary>
    public FieldSet Without(IEnumerable<IReadOnlyList<string>> prefixes)
    {
        var cut = prefixes.ToList();
        return Of(Members().Where(p => !cut.Any(prefix => prefix.Count <= p.Count && prefix.SequenceEqual(p.Take(prefix.Count)))));
    }

    public static FieldSet Of(IEnumerable<IReadOnlyList<string>> paths)
    {
        var set = new FieldSet();
        foreach (var path in paths)
        {
            set.Add(path);
        }
        return set;
    }

    /// <summary>Equal when both print the same fieldsV1 (a root that is only a member prints as `{}`, as the empty set).</summary>
    public bool SetEquals(FieldSet other) =>
        children.Count == 0 && other.children.Count == 0 || SameTree(other);

    private bool SameTree(FieldSet other)
    {
        if (isMember != other.isMember || children.Count != other.children.Count)
        {
            return false;
        }
        foreach (var (key, child) in children)
        {
            if (!other.children.TryGetValue(key, out var twin) || !child.SameTree(twin))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A path as upstream prints it in conflicts: .spec.containers[name="nginx"].image</summary>
    public static string Describe(IReadOnlyList<string> path)
    {
        var text = new StringBuilder();
        foreach (var element in path)
        {
            if (element.StartsWith("f:", StringComparison.Ordinal))
            {
                text.Append('.').Append(element[2..]);
            }
            else if (element.StartsWith("k:", StringComparison.Ordinal) && JsonValues.TryParse(element[2..]) is JsonObject key)
            {
                text.Append('[').Append(string.Join(",", key.Select(k => $"{k.Key}={JsonValues.Compact(k.Value)}"))).Append(']');
            }
            else if (element.StartsWith("v:", StringComparison.Ordinal))
            {
                text.Append("[=").Append(element[2..]).Append(']');
            }
            else
            {
                text.Append('[').Append(element).Append(']');
            }
        }
        return text.ToString();
    }

    public override string ToString() => ToJson().ToJsonString();
}
