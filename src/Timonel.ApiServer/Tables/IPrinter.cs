using System.Text.Json.Nodes;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Tables;

/// <summary>The columns of one kind's table and the cells of one object's row.</summary>
/// <remarks>
/// Like upstream's server-side printing, rows always carry every column, priority-1 ones
/// included; kubectl hides priority-1 columns unless asked for <c>-o wide</c>.
/// </remarks>
public interface IPrinter
{
    JsonArray Columns();
    JsonArray Cells(JsonObject obj, DateTimeOffset now);
}

/// <summary>The printers by kind; kinds without one get Name and Age.</summary>
public static class Printers
{
    private static readonly Dictionary<(string Group, string Kind), IPrinter> ByKind = new()
    {
        [("", "Pod")] = PodPrinter.Instance,
        [("", "Service")] = ServicePrinters.Service,
        [("", "Endpoints")] = ServicePrinters.Endpoints,
        [("discovery.k8s.io", "EndpointSlice")] = ServicePrinters.EndpointSlice,
        [("", "Node")] = NodePrinter.Instance,
        [("", "Event")] = EventPrinter.Instance,
        [("", "Namespace")] = ConfigPrinters.Namespace,
        [("", "ConfigMap")] = ConfigPrinters.ConfigMap,
        [("", "Secret")] = ConfigPrinters.Secret,
        [("", "ServiceAccount")] = ConfigPrinters.ServiceAccount,
        [("", "ResourceQuota")] = ConfigPrinters.ResourceQuota,
        [("", "LimitRange")] = CreatedAtPrinter.Instance,
        [("", "PersistentVolumeClaim")] = StoragePrinters.PersistentVolumeClaim,
        [("coordination.k8s.io", "Lease")] = ConfigPrinters.Lease,
        [("apps", "Deployment")] = WorkloadPrinters.Deployment,
        [("apps", "ReplicaSet")] = WorkloadPrinters.ReplicaSet,
        [("apps", "DaemonSet")] = WorkloadPrinters.DaemonSet,
        [("apps", "StatefulSet")] = WorkloadPrinters.StatefulSet,
        [("batch", "Job")] = BatchPrinters.Job,
        [("batch", "CronJob")] = BatchPrinters.CronJob,
        [("networking.k8s.io", "Ingress")] = IngressPrinters.Ingress,
        [("networking.k8s.io", "IngressClass")] = IngressPrinters.IngressClass,
        [("policy", "PodDisruptionBudget")] = PolicyPrinters.PodDisruptionBudget,
        [("scheduling.k8s.io", "PriorityClass")] = PolicyPrinters.PriorityClass,
        [("autoscaling", "HorizontalPodAutoscaler")] = HpaPrinter.Instance,
        [("rbac.authorization.k8s.io", "Role")] = CreatedAtPrinter.Instance,
        [("rbac.authorization.k8s.io", "ClusterRole")] = CreatedAtPrinter.Instance,
        [("rbac.authorization.k8s.io", "RoleBinding")] = RbacPrinters.RoleBinding,
        [("rbac.authorization.k8s.io", "ClusterRoleBinding")] = RbacPrinters.ClusterRoleBinding,
    };

    private static readonly IPrinter Default = new DefaultPrinter();

    public static IPrinter For(ResourceInfo resource) => For(resource.Group, resource.Kind);

    public static IPrinter For(string group, string kind) => ByKind.GetValueOrDefault((group, kind)) ?? Default;

    public static JsonObject Column(string name, string type, string description, int priority = 0, string format = "") => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["format"] = format,
        ["description"] = description,
        ["priority"] = priority,
    };

    /// <summary>Age as kubectl prints it; "&lt;unknown&gt;" without a creation timestamp.</summary>
    public static string Age(JsonObject obj, DateTimeOffset now) =>
        Since(ObjectMeta.Str(obj["metadata"] as JsonObject, "creationTimestamp"), now);

    /// <summary>The time elapsed since an RFC 3339 timestamp; "&lt;unknown&gt;" when it is absent.</summary>
    public static string Since(string? timestamp, DateTimeOffset now)
    {
        var t = ObjectMeta.ParseTimestamp(timestamp);
        return t is null ? "<unknown>" : HumanDuration(now - t.Value);
    }

    /// <summary>
    /// Two to three significant figures: 90s, 5m30s, 45m, 3h20m, 20h, 3d4h, 30d, 2y100d, 9y.
    /// Up to one second in the future counts as now ("0s"), to tolerate clock skew; further is invalid.
    /// </summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds; // truncates toward zero
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 120) return $"{seconds}s";
        var minutes = seconds / 60;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 180) return $"{minutes}m";
        var hours = minutes / 60;
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        var days = hours / 24;
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{days}d";
        var years = days / 365;
        if (hours < 24 * 365 * 8) return days % 365 == 0 ? $"{years}y" : $"{years}y{days % 365}d";
        return $"{years}y";
    }

    /// <summary>One unit only: 59s, 59m, 23h, 364d, then years.</summary>
    public static string ShortHumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 60) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 24) return $"{hours}h";
        if (hours < 24 * 365) return $"{hours / 24}d";
        return $"{(long)(d.TotalHours / 24 / 365)}y";
    }

    private sealed class DefaultPrinter : IPrinter
    {
        public JsonArray Columns() =>
        [
            Column("Name", "string", "Name must be unique within a namespace.", format: "name"),
            Column("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created."),
        ];

        public JsonArray Cells(JsonObject obj, DateTimeOffset now) => [ObjectMeta.Name(obj), Age(obj, now)];
    }
}
