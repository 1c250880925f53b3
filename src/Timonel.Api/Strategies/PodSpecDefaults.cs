using System.Text.Json.Nodes;

namespace Timonel.Api.Strategies;

/// <summary>
/// Upstream's defaults for a PodSpec, shared by pods and every pod template (Deployment, Job, ...).
/// Idempotent: the server calls it on every create and update.
/// </summary>
public static class PodSpecDefaults
{
    public static void Apply(JsonObject spec)
    {
        Json.SetDefault(spec, "restartPolicy", "Always");
        Json.SetDefault(spec, "dnsPolicy", "ClusterFirst");
        Json.SetDefault(spec, "terminationGracePeriodSeconds", 30);
        Json.SetDefault(spec, "schedulerName", "default-scheduler");
        Json.SetDefault(spec, "securityContext", new JsonObject());
        var hostNetwork = Json.Bool(spec, "hostNetwork") == true;
        foreach (var list in new[] { "initContainers", "containers", "ephemeralContainers" })
        {
            foreach (var (container, _) in Json.Items(spec, list))
            {
                Container(container, hostNetwork);
            }
        }
        foreach (var (volume, _) in Json.Items(spec, "volumes"))
        {
            Volume(volume);
        }
    }

    /// <summary>Defaults of a template's spec: templates have a metadata object and a spec.</summary>
    public static void ApplyToTemplate(JsonObject template)
    {
        Apply(Json.Child(template, "spec"));
    }

    private static void Container(JsonObject c, bool hostNetwork)
    {
        Json.SetDefault(c, "terminationMessagePath", "/dev/termination-log");
        Json.SetDefault(c, "terminationMessagePolicy", "File");
        Json.SetDefault(c, "imagePullPolicy", PullPolicyFor(Json.Str(c, "image")));
        Json.SetDefault(c, "resources", new JsonObject());
        foreach (var (port, _) in Json.Items(c, "ports"))
        {
            Json.SetDefault(port, "protocol", "TCP");
            // With the host's network the pod's port is the host's port.
            if (hostNetwork && Json.Int(port, "hostPort") is null && Json.Int(port, "containerPort") is { } cp)
            {
                port["hostPort"] = cp;
            }
        }
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (c[probe] is JsonObject p) Probe(p);
        }
        foreach (var (env, _) in Json.Items(c, "env"))
        {
            if (Json.Obj(Json.Obj(env, "valueFrom"), "fieldRef") is { } fieldRef) Json.SetDefault(fieldRef, "apiVersion", "v1");
        }
    }

    /// <summary>Images without a tag (and not pinned by digest) or tagged latest are pulled every time.</summary>
    public static string PullPolicyFor(string? image)
    {
        if (string.IsNullOrEmpty(image)) return "IfNotPresent";
        if (image.Contains('@', StringComparison.Ordinal)) return "IfNotPresent";
        var lastSlash = image.LastIndexOf('/');
        var lastPart = image[(lastSlash + 1)..];
        var colon = lastPart.LastIndexOf(':');
        return colon < 0 || lastPart[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    private static void Probe(JsonObject p)
    {
        Json.SetDefault(p, "timeoutSeconds", 1);
        Json.SetDefault(p, "periodSeconds", 10);
        Json.SetDefault(p, "successThreshold", 1);
        Json.SetDefault(p, "failureThreshold", 3);
        if (p["httpGet"] is JsonObject http)
        {
            Json.SetDefault(http, "path", "/");
            Json.SetDefault(http, "scheme", "HTTP");
        }
    }

    private static void Volume(JsonObject v)
    {
        // 0644 octal, the mode upstream gives projected files.
        const int defaultMode = 420;
        foreach (var source in new[] { "secret", "configMap", "downwardAPI", "projected" })
        {
            if (v[source] is JsonObject s) Json.SetDefault(s, "defaultMode", defaultMode);
        }
        if (v["hostPath"] is JsonObject hp) Json.SetDefault(hp, "type", "");
    }
}
