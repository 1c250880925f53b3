using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>rbac.authorization.k8s.io/v1 Role and ClusterRole: every rule names at least one verb.</summary>
public sealed class RoleStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        foreach (var (rule, i) in Json.Items(obj, "rules"))
        {
            if (Json.Arr(rule, "verbs") is not { Count: > 0 })
            {
                causes.Add(FieldErrors.Required($"rules[{i}].verbs", "verbs must contain at least one value"));
            }
            var nonResource = Json.Arr(rule, "nonResourceURLs") is { Count: > 0 };
            if (!nonResource && Json.Arr(rule, "resources") is not { Count: > 0 })
            {
                causes.Add(FieldErrors.Required($"rules[{i}].resources", "resource rules must supply at least one resource"));
            }
            if (!nonResource && Json.Arr(rule, "apiGroups") is not { Count: > 0 })
            {
                causes.Add(FieldErrors.Required($"rules[{i}].apiGroups", "resource rules must supply at least one api group"));
            }
        }
        return causes;
    }
}

/// <summary>RoleBinding and ClusterRoleBinding: the role they grant is required and fixed for life.</summary>
public sealed class RoleBindingStrategy(bool clusterScoped) : IKindStrategy
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    public void Default(JsonObject obj)
    {
        foreach (var (subject, _) in Json.Items(obj, "subjects"))
        {
            // Users and groups are RBAC subjects; service accounts are core objects.
            if (Json.Str(subject, "kind") is "User" or "Group") Json.SetDefault(subject, "apiGroup", RbacGroup);
            if (Json.Str(subject, "kind") == "ServiceAccount") Json.SetDefault(subject, "apiGroup", "");
        }
        if (obj["roleRef"] is JsonObject roleRef) Json.SetDefault(roleRef, "apiGroup", RbacGroup);
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var roleRef = Json.Obj(obj, "roleRef");
        var kinds = clusterScoped ? new[] { "ClusterRole" } : ["Role", "ClusterRole"];
        if (roleRef is null)
        {
            causes.Add(FieldErrors.Required("roleRef"));
        }
        else
        {
            if (Json.Str(roleRef, "apiGroup") != RbacGroup)
            {
                causes.Add(FieldErrors.NotSupported("roleRef.apiGroup", roleRef["apiGroup"]?.DeepClone() ?? JsonValue.Create(""), RbacGroup));
            }
            if (!kinds.Contains(Json.Str(roleRef, "kind")))
            {
                causes.Add(FieldErrors.NotSupported("roleRef.kind", roleRef["kind"]?.DeepClone() ?? JsonValue.Create(""), kinds));
            }
            if (string.IsNullOrEmpty(Json.Str(roleRef, "name"))) causes.Add(FieldErrors.Required("roleRef.name"));
        }
        foreach (var (subject, i) in Json.Items(obj, "subjects"))
        {
            var kind = Json.Str(subject, "kind");
            if (kind is not ("ServiceAccount" or "User" or "Group"))
            {
                causes.Add(FieldErrors.NotSupported($"subjects[{i}].kind", subject["kind"]?.DeepClone() ?? JsonValue.Create(""), "ServiceAccount", "User", "Group"));
            }
            if (string.IsNullOrEmpty(Json.Str(subject, "name"))) causes.Add(FieldErrors.Required($"subjects[{i}].name"));
            if (kind == "ServiceAccount" && clusterScoped && string.IsNullOrEmpty(Json.Str(subject, "namespace")))
            {
                causes.Add(FieldErrors.Required($"subjects[{i}].namespace"));
            }
        }
        if (old is not null && !JsonNode.DeepEquals(roleRef, Json.Obj(old, "roleRef")))
        {
            causes.Add(FieldErrors.Invalid("roleRef", roleRef?.DeepClone(), "cannot change roleRef"));
        }
        return causes;
    }
}
