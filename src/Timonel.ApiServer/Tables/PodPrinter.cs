using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>
/// Pods: Name, Ready, Status, Restarts, Age; wide IP, Node, Nominated Node, Readiness Gates.
/// Status is the phase refined by the most telling container state: an init container's progress or
/// failure while initializing, otherwise the last container with a waiting or terminated reason.
/// </summary>
internal static class PodPrinter
{
    public static readonly IPrinter Instance = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Ready", "string", "Ready containers out of all containers, sidecars included."),
        new("Status", "string", "The pod's phase, or the reason a container is not running."),
        new("Restarts", "string", "Container restarts, with the time since the latest one."),
        ColumnSpec.AgeColumn,
        ColumnSpec.Wide("IP", "The pod's first IP address."),
        ColumnSpec.Wide("Node", "The node the pod is bound to."),
        ColumnSpec.Wide("Nominated Node", "The node preemption made room on, before binding."),
        ColumnSpec.Wide("Readiness Gates", "Readiness gates whose condition is true, out of all gates."),
    ], Cells);

    private static object?[] Cells(JsonObject pod, DateTimeOffset now)
    {
        var spec = Obj(pod, "spec");
        var status = Obj(pod, "status");
        var phase = Text(status, "phase");
        var reason = Str(status, "reason") is { Length: > 0 } r ? r : phase;
        if (Items(status, "conditions").Any(c => Str(c, "type") == "PodScheduled" && Str(c, "reason") == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var initSpecs = Items(spec, "initContainers").ToList();
        var sidecars = initSpecs.Where(c => Str(c, "restartPolicy") == "Always").Select(c => Text(c, "name")).ToHashSet();
        var total = Count(spec, "containers") + sidecars.Count;
        var ready = 0;
        long restarts = 0, sidecarRestarts = 0;
        DateTimeOffset? lastRestart = null, lastSidecarRestart = null;

        var initializing = false;
        var initStatuses = Items(status, "initContainerStatuses").ToList();
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var c = initStatuses[i];
            var isSidecar = sidecars.Contains(Text(c, "name"));
            restarts += LongOr0(c, "restartCount");
            lastRestart = Latest(lastRestart, LastTermination(c));
            if (isSidecar)
            {
                sidecarRestarts += LongOr0(c, "restartCount");
                lastSidecarRestart = Latest(lastSidecarRestart, LastTermination(c));
            }
            var terminated = Obj(c, "state", "terminated");
            var waiting = Obj(c, "state", "waiting");
            if (terminated is not null && LongOr0(terminated, "exitCode") == 0) continue;
            if (isSidecar && Bool(c, "started") == true)
            {
                if (Bool(c, "ready") == true) ready++;
                continue;
            }
            if (terminated is not null)
            {
                reason = Str(terminated, "reason") is { Length: > 0 } tr ? "Init:" + tr
                    : LongOr0(terminated, "signal") != 0 ? $"Init:Signal:{LongOr0(terminated, "signal")}"
                    : $"Init:ExitCode:{LongOr0(terminated, "exitCode")}";
            }
            else if (Str(waiting, "reason") is { Length: > 0 } wr && wr != "PodInitializing")
            {
                reason = "Init:" + wr;
            }
            else
            {
                reason = $"Init:{i}/{initSpecs.Count}";
            }
            initializing = true;
            break;
        }

        var initialized = Items(status, "conditions").Any(c => Str(c, "type") == "Initialized" && Str(c, "status") == "True");
        if (!initializing || initialized)
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = Items(status, "containerStatuses").ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var c = statuses[i];
                restarts += LongOr0(c, "restartCount");
                lastRestart = Latest(lastRestart, LastTermination(c));
                var terminated = Obj(c, "state", "terminated");
                if (Str(c, "state", "waiting", "reason") is { Length: > 0 } wr)
                {
                    reason = wr;
                }
                else if (terminated is not null)
                {
                    reason = Str(terminated, "reason") is { Length: > 0 } tr ? tr
                        : LongOr0(terminated, "signal") != 0 ? $"Signal:{LongOr0(terminated, "signal")}"
                        : $"ExitCode:{LongOr0(terminated, "exitCode")}";
                }
                else if (Bool(c, "ready") == true && Obj(c, "state", "running") is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }
            // A pod whose last container completed while another still runs is not complete.
            if (reason == "Completed" && hasRunning)
            {
                var podReady = Items(status, "conditions").Any(c => Str(c, "type") == "Ready" && Str(c, "status") == "True");
                reason = podReady ? "Running" : "NotReady";
            }
        }

        if (ObjectMeta.IsDeleting(pod))
        {
            if (Str(status, "reason") == "NodeLost") reason = "Unknown";
            else if (phase is not ("Succeeded" or "Failed")) reason = "Terminating";
        }

        var restartsText = Str(restarts);
        if (restarts != 0 && lastRestart is { } last)
        {
            restartsText = $"{restarts} ({Printers.HumanDuration(now - last)} ago)";
        }

        var ip = Items(status, "podIPs").Select(p => Str(p, "ip")).FirstOrDefault() ?? Str(status, "podIP");
        return
        [
            ObjectMeta.Name(pod), $"{ready}/{total}", reason, restartsText, Printers.Age(pod, now),
            NoneIfEmpty(ip), NoneIfEmpty(Str(spec, "nodeName")), NoneIfEmpty(Str(status, "nominatedNodeName")),
            ReadinessGates(spec, status),
        ];
    }

    private static DateTimeOffset? LastTermination(JsonObject containerStatus) =>
        ObjectMeta.ParseTimestamp(Str(containerStatus, "lastState", "terminated", "finishedAt"));

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a > b ? a : b);

    private static string ReadinessGates(JsonObject? spec, JsonObject? status)
    {
        var gates = Items(spec, "readinessGates").Select(g => Text(g, "conditionType")).ToList();
        if (gates.Count == 0) return "<none>";
        var conditions = Items(status, "conditions").ToList();
        var passed = gates.Count(g => conditions.FirstOrDefault(c => Str(c, "type") == g) is { } c && Str(c, "status") == "True");
        return $"{passed}/{gates.Count}";
    }
}
