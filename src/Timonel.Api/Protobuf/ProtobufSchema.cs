using System.Collections.Frozen;

namespace Timonel.Api.Protobuf;

/// <summary>
/// The protobuf messages Timonel can turn into Kubernetes JSON, as a table of rows: one row per
/// message, one string per field: <c>"number jsonName type [flags]"</c>.
/// <list type="bullet">
/// <item>type: a scalar (<c>string int32 int64 bool bytes</c>), a special encoding (<c>time</c>
/// {seconds, nanos} as RFC 3339, <c>quantity</c> {string}, <c>intorstring</c> {type, intVal,
/// strVal}, <c>rawjson</c> {raw} holding JSON), or a message name, unqualified within the row's
/// group (<c>core.</c>, <c>meta.</c>, ...); <c>[]T</c> is repeated, <c>map:T</c> a string-keyed map
/// (repeated entries with key = 1, value = 2).</item>
/// <item>flag <c>keep</c>: a zero scalar is still written (the Go field is a pointer or has no
/// <c>omitempty</c>); without it zero scalars are left out as the JSON API does.</item>
/// <item>flag <c>inline</c>: the sub-message's fields are written into the parent object (Go
/// embedded struct); its JSON name is <c>-</c>.</item>
/// </list>
/// Covered: every message reachable from the kinds in <see cref="TopLevel"/> (the kinds that
/// <c>kubectl create &lt;subcommand&gt;</c> sends as protobuf). Any other kind is reported as
/// unsupported, and a field number missing from a known message as an unknown field.
/// </summary>
internal static partial class ProtobufSchema
{
    internal sealed record MessageRow(string Name, params string[] Fields);

    /// <summary>(apiVersion, kind) of the envelope → message name.</summary>
    internal static readonly FrozenDictionary<(string ApiVersion, string Kind), string> TopLevel =
        new Dictionary<(string, string), string>
        {
            [("v1", "Namespace")] = "core.Namespace",
            [("v1", "ConfigMap")] = "core.ConfigMap",
            [("v1", "Pod")] = "core.Pod",
            [("v1", "Secret")] = "core.Secret",
            [("v1", "Service")] = "core.Service",
            [("v1", "ServiceAccount")] = "core.ServiceAccount",
            [("v1", "ResourceQuota")] = "core.ResourceQuota",
            [("apps/v1", "Deployment")] = "apps.Deployment",
            [("batch/v1", "Job")] = "batch.Job",
            [("batch/v1", "CronJob")] = "batch.CronJob",
            [("rbac.authorization.k8s.io/v1", "Role")] = "rbac.Role",
            [("rbac.authorization.k8s.io/v1", "RoleBinding")] = "rbac.RoleBinding",
            [("rbac.authorization.k8s.io/v1", "ClusterRole")] = "rbac.ClusterRole",
            [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = "rbac.ClusterRoleBinding",
            [("networking.k8s.io/v1", "Ingress")] = "networking.Ingress",
            [("policy/v1", "PodDisruptionBudget")] = "policy.PodDisruptionBudget",
            [("scheduling.k8s.io/v1", "PriorityClass")] = "scheduling.PriorityClass",
            [("autoscaling/v2", "HorizontalPodAutoscaler")] = "autoscaling.HorizontalPodAutoscaler",
            // client-go sends DeleteOptions (helm uninstall, kubectl delete with protobuf) under the
            // group-version of the resource being deleted; every apiVersion maps to the one message.
            [("meta.k8s.io/v1", "DeleteOptions")] = "meta.DeleteOptions",
            [("authorization.k8s.io/v1", "SelfSubjectAccessReview")] = "authorization.SelfSubjectAccessReview",
            [("authorization.k8s.io/v1", "SelfSubjectRulesReview")] = "authorization.SelfSubjectRulesReview",
            [("authentication.k8s.io/v1", "SelfSubjectReview")] = "authentication.SelfSubjectReview",
            [("authentication.k8s.io/v1", "TokenRequest")] = "authentication.TokenRequest",
        }.ToFrozenDictionary();

    /// <summary>Every message by qualified name; built once, and a broken row is a bug (throws).</summary>
    internal static readonly FrozenDictionary<string, MessageSchema> Messages = Build(
        [.. MetaRows, .. CoreRows, .. CorePodRows, .. CoreVolumesRows, .. AppsBatchRows, .. AccessRows, .. ReviewRows, .. AutoscalingRows, .. CorePodStatusRows]);

    private static FrozenDictionary<string, MessageSchema> Build(MessageRow[] rows)
    {
        var messages = rows.ToDictionary(r => r.Name, r => new MessageSchema(r.Name));
        foreach (var row in rows)
        {
            var group = row.Name[..row.Name.IndexOf('.')];
            var message = messages[row.Name];
            foreach (var text in row.Fields)
            {
                var field = ParseField(row.Name, group, text, messages);
                if (!message.Fields.TryAdd(field.Number, field))
                {
                    throw new InvalidOperationException($"{row.Name}: field {field.Number} listed twice");
                }
            }
        }
        foreach (var name in TopLevel.Values)
        {
            if (!messages.ContainsKey(name))
            {
                throw new InvalidOperationException($"top-level message {name} has no row");
            }
        }
        return messages.ToFrozenDictionary();
    }

    private static FieldSchema ParseField(
        string message, string group, string text, Dictionary<string, MessageSchema> messages)
    {
        var parts = text.Split(' ');
        if (parts.Length < 3 || !int.TryParse(parts[0], out var number) || number <= 0)
        {
            throw new InvalidOperationException($"{message}: malformed field \"{text}\"");
        }
        var type = parts[2];
        var shape = FieldShape.Single;
        if (type.StartsWith("[]", StringComparison.Ordinal))
        {
            (shape, type) = (FieldShape.Repeated, type[2..]);
        }
        else if (type.StartsWith("map:", StringComparison.Ordinal))
        {
            (shape, type) = (FieldShape.Map, type[4..]);
        }
        var kind = ParseKind(type);
        MessageSchema? target = null;
        if (kind == ValueKind.Message)
        {
            var qualified = type.Contains('.', StringComparison.Ordinal) ? type : $"{group}.{type}";
            target = messages.GetValueOrDefault(qualified)
                ?? throw new InvalidOperationException($"{message}: field {number} refers to unknown {qualified}");
        }
        var keep = false;
        var inline = false;
        foreach (var flag in parts.AsSpan(3))
        {
            switch (flag)
            {
                case "keep": keep = true; break;
                case "inline": inline = true; break;
                default: throw new InvalidOperationException($"{message}: unknown flag \"{flag}\" in \"{text}\"");
            }
        }
        if (inline && (kind != ValueKind.Message || shape != FieldShape.Single))
        {
            throw new InvalidOperationException($"{message}: only a single message can be inline (\"{text}\")");
        }
        return new FieldSchema(number, parts[1], shape, kind, target, keep, inline);
    }

    private static ValueKind ParseKind(string type) => type switch
    {
        "string" => ValueKind.String,
        "int32" => ValueKind.Int32,
        "int64" => ValueKind.Int64,
        "bool" => ValueKind.Bool,
        "bytes" => ValueKind.Bytes,
        "time" => ValueKind.Time,
        "quantity" => ValueKind.Quantity,
        "intorstring" => ValueKind.IntOrString,
        "rawjson" => ValueKind.RawJson,
        _ => ValueKind.Message,
    };
}
