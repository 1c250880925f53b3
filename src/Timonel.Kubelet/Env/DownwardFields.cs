using System.Globalization;
using System.Text;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Env;

/// <summary>
/// Values of the downward API's <c>fieldRef</c> paths, as the kubelet resolves them. Env accepts
/// the status and spec fields too; volume files accept the metadata ones only (the API server
/// validates which paths a pod may use; an unknown one here is an error value, not an exception).
/// </summary>
public static class DownwardFields
{
    /// <summary>A fieldRef for an environment variable. Error: why the path cannot be resolved.</summary>
    public static (string Value, string? Error) ForEnv(PodContext ctx, string fieldPath)
    {
        var pod = ctx.Pod;
        switch (fieldPath)
        {
            case "spec.nodeName": return (pod.Spec?.NodeName ?? ctx.NodeName, null);
            case "spec.serviceAccountName": return (pod.Spec?.ServiceAccountName ?? "", null);
            case "status.hostIP": return (ctx.HostIp, null);
            case "status.hostIPs": return (HostIps(ctx), null);
            case "status.podIP": return (ctx.PodIp ?? "", null);
            case "status.podIPs": return (PodIps(ctx), null);
            default: return ForMetadata(pod, fieldPath);
        }
    }

    /// <summary>
    /// The metadata paths (the only ones downwardAPI volume files take): name, namespace, uid,
    /// labels and annotations, whole (sorted <c>key="value"</c> lines) or one key by subscript.
    /// </summary>
    public static (string Value, string? Error) ForMetadata(V1Pod pod, string fieldPath)
    {
        var meta = pod.Metadata ?? new V1ObjectMeta();
        switch (fieldPath)
        {
            case "metadata.name": return (meta.Name ?? "", null);
            case "metadata.namespace": return (meta.NamespaceProperty ?? "", null);
            case "metadata.uid": return (meta.Uid ?? "", null);
            case "metadata.labels": return (FormatMap(meta.Labels), null);
            case "metadata.annotations": return (FormatMap(meta.Annotations), null);
        }
        if (Subscript(fieldPath, "metadata.labels") is { } label)
        {
            return (meta.Labels is not null && meta.Labels.TryGetValue(label, out var v) ? v : "", null);
        }
        if (Subscript(fieldPath, "metadata.annotations") is { } annotation)
        {
            return (meta.Annotations is not null && meta.Annotations.TryGetValue(annotation, out var v) ? v : "", null);
        }
        return ("", $"unsupported fieldPath: {fieldPath}");
    }

    private static string HostIps(PodContext ctx)
    {
        var ips = ctx.Pod.Status?.HostIPs?.Select(ip => ip.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        return ips is { Count: > 0 } ? string.Join(',', ips) : ctx.HostIp;
    }

    private static string PodIps(PodContext ctx)
    {
        var ips = ctx.Pod.Status?.PodIPs?.Select(ip => ip.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        if (ips is { Count: > 0 } && (ctx.PodIp is null || ips[0] == ctx.PodIp))
        {
            return string.Join(',', ips);
        }
        return ctx.PodIp ?? "";
    }

    /// <summary>"metadata.labels['app']" -> "app" (the key is quoted with single quotes, as the API writes it).</summary>
    private static string? Subscript(string fieldPath, string prefix)
    {
        if (!fieldPath.StartsWith(prefix + "['", StringComparison.Ordinal) || !fieldPath.EndsWith("']", StringComparison.Ordinal))
        {
            return null;
        }
        return fieldPath[(prefix.Length + 2)..^2];
    }

    /// <summary>Sorted <c>key="value"</c> lines, the value quoted as Go's %q does, no trailing newline.</summary>
    public static string FormatMap(IDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return "";
        }
        return string.Join('\n', map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + GoQuote(kv.Value)));
    }

    private static string GoQuote(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\a': b.Append("\\a"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '\v': b.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        b.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned)
                    {
                        b.Append(rune.Value > 0xffff ? "\\U" + rune.Value.ToString("x8", CultureInfo.InvariantCulture) : "\\u" + rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        b.Append(rune.ToString());
                    }
                    break;
            }
        }
        return b.Append('"').ToString();
    }
}
