using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Kubelet.Simulated;

/// <summary>
/// What a kubelet does for pods bound to a simulated node, minus the containers: a bound pod
/// becomes Running and Ready with an IP from its node's podCIDR; a deleting pod is removed at once.
/// </summary>
internal sealed class SimulatedPods : Controller
{
    private readonly ApiConnection _api;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Node> _nodes;
    private readonly Func<string, bool> _isOurs;
    private readonly PodIpAllocator _ips = new();
    // Pods bound to a node that has no podCIDR yet, by node: retried when the node gets one
    // (polling every such pod each second costs the agent a core at 50,000 pods).
    private readonly Dictionary<string, HashSet<string>> _waitingForCidr = new(StringComparer.Ordinal);

    public SimulatedPods(ApiConnection api, SharedInformerFactory informers, Func<string, bool> isOurs, TimeProvider time, ILogger logger)
        : base("simulated-pods", time, logger)
    {
        _api = api;
        _isOurs = isOurs;
        _pods = informers.GetInformer<V1Pod>();
        _nodes = informers.GetInformer<V1Node>();
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = OnPod,
            Updated = (_, pod) => OnPod(pod),
            Deleted = (pod, _) => _ips.Release(pod.Spec?.NodeName, pod.Metadata.Uid),
        });
        _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = OnNode,
            Updated = (_, node) => OnNode(node),
        });
    }

    private void OnNode(V1Node node)
    {
        if (string.IsNullOrEmpty(node.Spec?.PodCIDR))
        {
            return;
        }
        HashSet<string>? waiting;
        lock (_waitingForCidr)
        {
            if (!_waitingForCidr.Remove(node.Metadata.Name, out waiting)) return;
        }
        foreach (var key in waiting) Queue.Add(key);
    }

    public IReadOnlyList<Func<CancellationToken, Task>> CacheSyncs => [_pods.WaitForCacheSyncAsync, _nodes.WaitForCacheSyncAsync];

    private void OnPod(V1Pod pod)
    {
        if (pod.Spec?.NodeName is { } node && _isOurs(node))
        {
            Enqueue(pod);
        }
    }

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var pod = _pods.Lister.Get(ns, name);
        if (pod?.Spec?.NodeName is not { } nodeName || !_isOurs(nodeName))
        {
            return SyncResult.Done;
        }
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            var deleted = await _api.DeleteAsync<V1Pod>(ns, name, preconditionUid: pod.Metadata.Uid, ct: ct, gracePeriodSeconds: 0);
            return deleted.Ok || deleted.IsNotFound || deleted.IsConflict ? SyncResult.Done : SyncResult.Failed(deleted.ToString()!);
        }
        if (pod.Status?.Phase is "Running" or "Succeeded" or "Failed")
        {
            return SyncResult.Done;
        }
        var node = _nodes.Lister.Get(null, nodeName);
        if (string.IsNullOrEmpty(node?.Spec?.PodCIDR))
        {
            // The node has no podCIDR yet (node IPAM assigns it): OnNode retries the pod then.
            lock (_waitingForCidr)
            {
                if (!_waitingForCidr.TryGetValue(nodeName, out var waiting)) _waitingForCidr[nodeName] = waiting = new(StringComparer.Ordinal);
                waiting.Add(key);
            }
            // The CIDR may have arrived between the lister read and the registration above.
            if (_nodes.Lister.Get(null, nodeName) is { } fresh) OnNode(fresh);
            return SyncResult.Done;
        }
        var ip = _ips.Allocate(nodeName, node.Spec.PodCIDR, pod.Metadata.Uid);
        if (ip is null)
        {
            // The node's range is full; look again shortly (a deleted pod frees an address).
            return SyncResult.After(TimeSpan.FromSeconds(1));
        }
        var now = Time.GetUtcNow().UtcDateTime;
        var running = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = pod.Metadata.ResourceVersion },
            Status = RunningStatus(pod, node!, ip, now),
        };
        var result = await _api.UpdateStatusAsync(running, ct);
        return result.Ok || result.IsNotFound ? SyncResult.Done : SyncResult.Failed(result.ToString()!);
    }

    private static V1PodStatus RunningStatus(V1Pod pod, V1Node node, string ip, DateTime now)
    {
        var hostIp = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
        var existing = pod.Status?.Conditions?.Where(c => c.Type == "PodScheduled").ToList() ?? [];
        return new V1PodStatus
        {
            Phase = "Running",
            HostIP = hostIp,
            HostIPs = hostIp is null ? null : [new V1HostIP { Ip = hostIp }],
            PodIP = ip,
            PodIPs = [new V1PodIP { Ip = ip }],
            StartTime = now,
            QosClass = pod.Status?.QosClass,
            // Fields the kubelet does not own survive its status writes (the scheduler's nomination).
            NominatedNodeName = pod.Status?.NominatedNodeName,
            Conditions =
            [
                .. existing,
                new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "ContainersReady", Status = "True", LastTransitionTime = now },
            ],
            ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
            {
                Name = c.Name,
                Image = c.Image,
                ImageID = "simulated://" + c.Image,
                ContainerID = $"simulated://{pod.Metadata.Uid}/{c.Name}",
                Ready = true,
                Started = true,
                RestartCount = 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } },
            }).ToList(),
        };
    }
}
