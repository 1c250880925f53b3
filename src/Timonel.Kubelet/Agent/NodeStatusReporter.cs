using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// The node's Node object and Lease, as the kubelet keeps them: registration (create, or on an
/// agent restart refresh the status of the existing object), the Lease in kube-node-lease renewed
/// every <see cref="AgentOptions.LeaseRenewInterval"/>, and the status written every
/// <see cref="AgentOptions.StatusInterval"/> or at once when a condition changes. Ready is True only
/// while the runtime answers and the pod network (the CNI conflist) is in place.
/// </summary>
public sealed class NodeStatusReporter(ApiConnection api, CriClient cri, AgentOptions options, string hostIp, string runtimeVersion, ILogger logger)
{
    public const string KubeletVersion = "v1.35.0-timonel";
    private volatile bool _networkReady;
    private readonly TaskCompletionSource _networkReadySignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _lastConditionKey = "";
    private DateTime _lastStatusWrite;
    private readonly Dictionary<string, DateTime> _transitions = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ResourceQuantity> Capacity { get; } = NodeFacts.Capacity(options.AgentDir, options.MaxPods);

    /// <summary>Called once the CNI conflist exists: the next check reports Ready.</summary>
    public void NetworkReady()
    {
        _networkReady = true;
        _networkReadySignal.TrySetResult();
    }

    public async Task<V1Node> RegisterAsync(CancellationToken ct)
    {
        var now = options.Time.GetUtcNow().UtcDateTime;
        var (conditions, _) = await ConditionsAsync(now, ct);
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = options.NodeName,
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = options.NodeName,
                    ["kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = NodeFacts.SystemInfo("", "").Architecture,
                },
            },
            Spec = new V1NodeSpec(),
            Status = Status(conditions),
        };
        var created = await api.CreateAsync(node, ct);
        if (created.Value is not null)
        {
            AgentLog.NodeRegistered(logger, options.NodeName, hostIp);
            _lastStatusWrite = now;
            return created.Value;
        }
        if (!created.IsAlreadyExists)
        {
            throw new InvalidOperationException($"cannot register node {options.NodeName}: {created}");
        }
        var existing = (await api.GetAsync<V1Node>(null, options.NodeName, ct)).Require();
        existing.Status = node.Status;
        var updated = await api.UpdateStatusAsync(existing, ct);
        AgentLog.NodeReregistered(logger, options.NodeName, hostIp);
        _lastStatusWrite = now;
        return updated.Value ?? existing;
    }

    /// <summary>Waits until node IPAM gives the node its spec.podCIDR.</summary>
    public async Task<string> WaitForPodCidrAsync(CancellationToken ct)
    {
        var logged = false;
        while (true)
        {
            var node = await api.GetAsync<V1Node>(null, options.NodeName, ct);
            if (node.Value?.Spec?.PodCIDR is { Length: > 0 } cidr)
            {
                return cidr;
            }
            if (!logged)
            {
                AgentLog.WaitingForPodCidr(logger, options.NodeName);
                logged = true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), options.Time, ct);
        }
    }

    /// <summary>Lease renewals and status writes until cancelled; API errors are logged and retried next round.</summary>
    public async Task RunAsync(string nodeUid, CancellationToken ct)
    {
        // The round after the pod network becomes ready runs at once: Ready is reported then, not
        // up to a lease interval later (`timonel up` waits for it).
        var wake = _networkReadySignal.Task;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RenewLeaseAsync(nodeUid, ct);
                var now = options.Time.GetUtcNow().UtcDateTime;
                var (conditions, key) = await ConditionsAsync(now, ct);
                if (key != _lastConditionKey || now - _lastStatusWrite >= options.StatusInterval)
                {
                    var patch = JsonSerializer.Serialize(new { status = new { conditions = conditions.Select(Wire) } });
                    var result = await api.PatchAsync<V1Node>(null, options.NodeName, PatchType.StrategicMerge, patch, subresource: "status", ct: ct);
                    if (result.Ok)
                    {
                        _lastConditionKey = key;
                        _lastStatusWrite = now;
                    }
                }
            }
            catch (HttpRequestException e)
            {
                AgentLog.ApiUnreachable(logger, e.Message);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                AgentLog.ApiUnreachable(logger, "request timed out");
            }
            if (await Task.WhenAny(Task.Delay(options.LeaseRenewInterval, options.Time, ct), wake) == wake)
            {
                wake = Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            ct.ThrowIfCancellationRequested();
        }
    }

    private V1NodeStatus Status(List<V1NodeCondition> conditions) => new()
    {
        Capacity = new Dictionary<string, ResourceQuantity>(Capacity),
        Allocatable = new Dictionary<string, ResourceQuantity>(Capacity),
        Addresses = [new V1NodeAddress { Type = "InternalIP", Address = hostIp }, new V1NodeAddress { Type = "Hostname", Address = options.NodeName }],
        Conditions = conditions,
        NodeInfo = NodeFacts.SystemInfo(runtimeVersion, KubeletVersion),
        DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = options.KubeletPort } },
    };

    private async Task<(List<V1NodeCondition> Conditions, string Key)> ConditionsAsync(DateTime now, CancellationToken ct)
    {
        var runtimeUp = (await cri.VersionAsync(ct)).IsSuccess;
        var (readyStatus, readyReason, readyMessage) = (runtimeUp, _networkReady) switch
        {
            (false, _) => ("False", "KubeletNotReady", "container runtime is down"),
            (true, false) => ("False", "KubeletNotReady", "container runtime network not ready: waiting for the node's podCIDR"),
            _ => ("True", "KubeletReady", "kubelet is posting ready status"),
        };
        var memoryLow = NodeFacts.MemAvailableKib() < 100 * 1024;
        var diskLow = new DriveInfo(options.AgentDir) is var d && d.AvailableFreeSpace < d.TotalSize / 10;
        List<V1NodeCondition> conditions =
        [
            Condition("Ready", readyStatus, readyReason, readyMessage, now),
            Condition("MemoryPressure", memoryLow ? "True" : "False", memoryLow ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                memoryLow ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available", now),
            Condition("DiskPressure", diskLow ? "True" : "False", diskLow ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                diskLow ? "kubelet has disk pressure" : "kubelet has no disk pressure", now),
            Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
        ];
        return (conditions, string.Join(',', conditions.Select(c => c.Type + "=" + c.Status)));
    }

    /// <summary>lastTransitionTime stays while a condition's status stays.</summary>
    private V1NodeCondition Condition(string type, string status, string reason, string message, DateTime now)
    {
        var key = type + "=" + status;
        if (!_transitions.ContainsKey(key))
        {
            foreach (var stale in _transitions.Keys.Where(k => k.StartsWith(type + "=", StringComparison.Ordinal)).ToList())
            {
                _transitions.Remove(stale);
            }
            _transitions[key] = now;
        }
        return new() { Type = type, Status = status, Reason = reason, Message = message, LastHeartbeatTime = now, LastTransitionTime = _transitions[key] };
    }

    private static object Wire(V1NodeCondition c) => new
    {
        type = c.Type,
        status = c.Status,
        reason = c.Reason,
        message = c.Message,
        lastHeartbeatTime = Rfc3339(c.LastHeartbeatTime!.Value),
        lastTransitionTime = Rfc3339(c.LastTransitionTime!.Value),
    };

    private static string Rfc3339(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task RenewLeaseAsync(string nodeUid, CancellationToken ct)
    {
        var now = options.Time.GetUtcNow().UtcDateTime;
        var renewTime = now.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var patched = await api.PatchAsync<V1Lease>("kube-node-lease", options.NodeName, PatchType.Merge,
            $"{{\"spec\":{{\"renewTime\":\"{renewTime}\",\"holderIdentity\":\"{options.NodeName}\",\"leaseDurationSeconds\":40}}}}", ct: ct);
        if (patched.IsNotFound)
        {
            await api.CreateAsync(new V1Lease
            {
                Metadata = new V1ObjectMeta
                {
                    Name = options.NodeName,
                    NamespaceProperty = "kube-node-lease",
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = options.NodeName, Uid = nodeUid }],
                },
                Spec = new V1LeaseSpec { HolderIdentity = options.NodeName, LeaseDurationSeconds = 40, RenewTime = now },
            }, ct);
        }
    }
}
