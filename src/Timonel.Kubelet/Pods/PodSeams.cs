using k8s.Models;

namespace Timonel.Kubelet.Pods;

// The seams between the pod worker (Pods/) and the parts it drives: environment and volumes
// (Env/, Volumes/), images (Images/), probes and lifecycle (Probes/), and the streaming server
// (Streaming/). Each part is built and tested on its own against these contracts; the agent
// (Agent/) wires the real implementations together.

/// <summary>What a part needs to know about the pod beyond its spec.</summary>
/// <param name="Pod">The pod as the API server last gave it.</param>
/// <param name="NodeName">This node's name (spec.nodeName).</param>
/// <param name="HostIp">The node's InternalIP.</param>
/// <param name="PodIp">The sandbox's IP, once the sandbox exists.</param>
/// <param name="NodeAllocatable">The node's allocatable resources (limits default to them).</param>
public sealed record PodContext(
    V1Pod Pod,
    string NodeName,
    string HostIp,
    string? PodIp,
    IReadOnlyDictionary<string, ResourceQuantity> NodeAllocatable);

/// <summary>Reads of the objects a pod refers to (ConfigMaps, Secrets). Null: the object does not exist.</summary>
public interface IObjectSource
{
    Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct);

    Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct);
}

/// <summary>The environment of one container, or why it cannot be built.</summary>
/// <param name="Variables">In the order the container sees them (envFrom first, then env, later wins).</param>
/// <param name="Error">
/// Set when a required source is missing; the container waits with reason
/// <c>CreateContainerConfigError</c> and this message (e.g. <c>configmap "app" not found</c>).
/// </param>
public sealed record ContainerEnvironment(IReadOnlyList<KeyValuePair<string, string>> Variables, string? Error);

public interface IContainerEnvironmentBuilder
{
    Task<ContainerEnvironment> BuildAsync(PodContext pod, V1Container container, CancellationToken ct);
}

/// <summary>A bind mount of a prepared volume into one container.</summary>
public sealed record ContainerMount(string ContainerPath, string HostPath, bool ReadOnly);

/// <summary>The pod's volumes on disk, or why they could not be set up.</summary>
/// <param name="MountsByContainer">Keyed by container name (init containers included).</param>
/// <param name="Error">Set when a volume cannot be set up; the pod stays in ContainerCreating with a <c>FailedMount</c> event.</param>
public sealed record PodVolumeSetup(IReadOnlyDictionary<string, IReadOnlyList<ContainerMount>> MountsByContainer, string? Error);

public interface IPodVolumes
{
    /// <summary>Creates or refreshes every volume of the pod (called on every sync: ConfigMap and Secret changes reach the files).</summary>
    Task<PodVolumeSetup> SetUpAsync(PodContext pod, CancellationToken ct);

    /// <summary>Removes what <see cref="SetUpAsync"/> made for the pod; hostPath sources are never touched.</summary>
    Task TearDownAsync(string podUid, CancellationToken ct);
}

/// <summary>The image a container runs, or the waiting reason and message the kubelet reports.</summary>
/// <param name="ImageRef">The image's id as CRI reports it (becomes containerStatuses[].imageID).</param>
/// <param name="Reason"><c>ErrImagePull</c>, <c>ImagePullBackOff</c>, <c>ErrImageNeverPull</c> or <c>InvalidImageName</c> when <paramref name="ImageRef"/> is null.</param>
public sealed record ImageResult(string? ImageRef, string? Reason, string? Message);

public interface IImageManager
{
    /// <summary>Makes the container's image present per imagePullPolicy (pulling with the pod's imagePullSecrets), with upstream's back-off after failures.</summary>
    Task<ImageResult> EnsureAsync(PodContext pod, V1Container container, CancellationToken ct);
}

/// <summary>A running container that probes watch.</summary>
public sealed record ProbeTarget(PodContext Pod, V1Container Container, string ContainerId, DateTimeOffset StartedAt);

/// <summary>What probes say about one container right now.</summary>
/// <param name="Started">The startup probe passed (true when there is none).</param>
/// <param name="Ready">The readiness probe passed (true when there is none, once started).</param>
/// <param name="RestartReason">
/// Set when the liveness or startup probe failed past its threshold: the worker kills the
/// container (event <c>Killing</c> with this message) and the restart policy decides what follows.
/// </param>
public sealed record ContainerProbeState(bool Started, bool Ready, string? RestartReason);

public interface IContainerProbes
{
    /// <summary>Starts probing (idempotent per container id). A change of state makes the pod's worker sync again.</summary>
    void Watch(ProbeTarget target);

    /// <summary>Stops probing a container that stopped or was removed.</summary>
    void Forget(string containerId);

    ContainerProbeState StateOf(string containerId);
}

/// <summary>Asks the pod's worker to sync again soon (probe results, back-off expiry, hook results).</summary>
public interface IPodSyncTrigger
{
    void Resync(string podUid);
}

/// <summary>Where the streaming server finds a container's log file and runtime id.</summary>
public sealed record ContainerLocation(string ContainerId, string LogPath);

public interface IContainerLocator
{
    /// <summary>Null when the pod or container is unknown to this node (or has no previous instance).</summary>
    ContainerLocation? Find(string ns, string podName, string container, bool previous);

    /// <summary>
    /// The IP of this node's pod <paramref name="podName"/> with uid <paramref name="podUid"/> (the
    /// node's own for a host-network pod); null when no such pod runs here or it has no sandbox yet.
    /// </summary>
    string? FindPodIp(string ns, string podName, string podUid) => null;
}

/// <summary>The Linux side of a container and its sandbox: resources into cgroups and the security context.</summary>
public interface IContainerRuntimeSettings
{
    /// <summary>Requests and limits (cpu shares/quota, memory limit, OOM score) and securityContext (user, group, capabilities, privileged, read-only root).</summary>
    Cri.V1.LinuxContainerConfig ForContainer(PodContext pod, V1Container container);

    /// <summary>
    /// As <see cref="ForContainer(PodContext, V1Container)"/>, with the image's user from CRI ImageStatus
    /// (uid, or name when not numeric), which fills in the user when securityContext sets none, as the
    /// kubelet does. The default ignores the image (the runtime then uses the image's user itself).
    /// </summary>
    Cri.V1.LinuxContainerConfig ForContainer(PodContext pod, V1Container container, long? imageUid, string? imageUser) =>
        ForContainer(pod, container);

    /// <summary>The sandbox's cgroup parent (given by the worker) and the pod-level security context.</summary>
    Cri.V1.LinuxPodSandboxConfig ForSandbox(PodContext pod, string cgroupParent);
}
