using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>Upstream's most important PodSpec checks, shared by pods and every pod template.</summary>
public static class PodSpecValidation
{
    public static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    /// <param name="claimVolumes">
    /// Volume names the controller adds to each pod (a StatefulSet's volumeClaimTemplates), which
    /// its template's containers may mount.
    /// </param>
    public static void Validate(JsonObject? spec, string path, List<ErrorCause> causes, IEnumerable<string>? claimVolumes = null)
    {
        if (spec is null)
        {
            causes.Add(FieldErrors.Required(path));
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var volumeNames = Json.Items(spec, "volumes").Select(v => Json.Str(v.Item, "name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        volumeNames.UnionWith(claimVolumes ?? []);
        if (Json.Arr(spec, "containers") is not { Count: > 0 })
        {
            causes.Add(FieldErrors.Required($"{path}.containers"));
        }
        // Init and regular containers share one name space.
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var (c, i) in Json.Items(spec, list))
            {
                Container(c, $"{path}.{list}[{i}]", names, causes);
                foreach (var (mount, j) in Json.Items(c, "volumeMounts"))
                {
                    var mountPath = $"{path}.{list}[{i}].volumeMounts[{j}]";
                    var volume = Json.Str(mount, "name");
                    if (string.IsNullOrEmpty(volume)) causes.Add(FieldErrors.Required($"{mountPath}.name"));
                    else if (!volumeNames.Contains(volume)) causes.Add(FieldErrors.NotFound($"{mountPath}.name", volume));
                    if (string.IsNullOrEmpty(Json.Str(mount, "mountPath"))) causes.Add(FieldErrors.Required($"{mountPath}.mountPath"));
                }
            }
        }
        if (spec["restartPolicy"] is { } rp && !RestartPolicies.Contains(Json.Str(spec, "restartPolicy")))
        {
            causes.Add(FieldErrors.NotSupported($"{path}.restartPolicy", rp, RestartPolicies));
        }
        if (spec["dnsPolicy"] is { } dp && !DnsPolicies.Contains(Json.Str(spec, "dnsPolicy")))
        {
            causes.Add(FieldErrors.NotSupported($"{path}.dnsPolicy", dp, DnsPolicies));
        }
        if (Json.Int(spec, "terminationGracePeriodSeconds") is < 0 and var grace)
        {
            causes.Add(FieldErrors.Invalid($"{path}.terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
        }
        if (Json.Int(spec, "activeDeadlineSeconds") is <= 0 and var deadline)
        {
            causes.Add(FieldErrors.Invalid($"{path}.activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"));
        }
        var volumes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (v, i) in Json.Items(spec, "volumes"))
        {
            var name = Json.Str(v, "name");
            if (string.IsNullOrEmpty(name)) causes.Add(FieldErrors.Required($"{path}.volumes[{i}].name"));
            else if (!Names.IsLabel(name)) causes.Add(FieldErrors.Invalid($"{path}.volumes[{i}].name", name, Names.LabelMessage));
            else if (!volumes.Add(name)) causes.Add(FieldErrors.Duplicate($"{path}.volumes[{i}].name", name));
        }
    }

    private static void Container(JsonObject c, string path, HashSet<string> names, List<ErrorCause> causes)
    {
        var name = Json.Str(c, "name");
        if (string.IsNullOrEmpty(name)) causes.Add(FieldErrors.Required($"{path}.name"));
        else if (!Names.IsLabel(name)) causes.Add(FieldErrors.Invalid($"{path}.name", name, Names.LabelMessage));
        else if (!names.Add(name)) causes.Add(FieldErrors.Duplicate($"{path}.name", name));

        if (string.IsNullOrWhiteSpace(Json.Str(c, "image"))) causes.Add(FieldErrors.Required($"{path}.image"));
        if (c["imagePullPolicy"] is { } pp && !PullPolicies.Contains(Json.Str(c, "imagePullPolicy")))
        {
            causes.Add(FieldErrors.NotSupported($"{path}.imagePullPolicy", pp, PullPolicies));
        }
        var portNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (port, i) in Json.Items(c, "ports"))
        {
            var portPath = $"{path}.ports[{i}]";
            if (Json.Str(port, "name") is { Length: > 0 } portName && !portNames.Add(portName))
            {
                causes.Add(FieldErrors.Duplicate($"{portPath}.name", portName));
            }
            var containerPort = Json.Int(port, "containerPort");
            if (containerPort is null or 0) causes.Add(FieldErrors.Required($"{portPath}.containerPort"));
            else if (containerPort is < 1 or > 65535) causes.Add(FieldErrors.Invalid($"{portPath}.containerPort", containerPort.Value, PortRangeMessage));
            if (Json.Int(port, "hostPort") is { } hostPort and (< 0 or > 65535))
            {
                causes.Add(FieldErrors.Invalid($"{portPath}.hostPort", hostPort, PortRangeMessage));
            }
            if (port["protocol"] is { } protocol && !Protocols.Contains(Json.Str(port, "protocol")))
            {
                causes.Add(FieldErrors.NotSupported($"{portPath}.protocol", protocol, Protocols));
            }
        }
        Resources(Json.Obj(c, "resources"), $"{path}.resources", causes);
    }

    public const string PortRangeMessage = "must be between 1 and 65535, inclusive";

    private static void Resources(JsonObject? resources, string path, List<ErrorCause> causes)
    {
        var limits = Json.Obj(resources, "limits");
        var requests = Json.Obj(resources, "requests");
        foreach (var (kind, list) in new[] { ("limits", limits), ("requests", requests) })
        {
            foreach (var (resource, value) in list ?? [])
            {
                if (Parse(value) is not { } q)
                {
                    causes.Add(FieldErrors.Invalid($"{path}.{kind}[{resource}]", value?.DeepClone(), "must be a valid resource quantity"));
                }
                else if (q < 0)
                {
                    causes.Add(FieldErrors.Invalid($"{path}.{kind}[{resource}]", value?.DeepClone(), "must be greater than or equal to 0"));
                }
            }
        }
        foreach (var (resource, request) in requests ?? [])
        {
            if (limits?[resource] is not { } limit || Parse(limit) is not { } max || Parse(request) is not { } wanted) continue;
            if (wanted > max)
            {
                // Upstream names the requests map here, not the entry.
                causes.Add(FieldErrors.Invalid($"{path}.requests", Canonical(request),
                    $"must be less than or equal to {resource} limit of {Canonical(limit)}"));
            }
        }
    }

    private static string Text(JsonNode? quantity) =>
        quantity is JsonValue v && v.TryGetValue<string>(out var s) ? s : quantity?.ToJsonString() ?? "";

    /// <summary>The quantity as upstream prints it (e.g. 0.5 as 500m).</summary>
    internal static string Canonical(JsonNode? quantity) => new ResourceQuantity(Text(quantity)).ToString();

    /// <summary>The quantity's value, or null when it is not a quantity.</summary>
    public static decimal? Parse(JsonNode? quantity)
    {
        var text = Text(quantity);
        if (text.Length == 0) return null;
        try
        {
            return new ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }
}
