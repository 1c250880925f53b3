using k8s.Models;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

// Simple implementations of the pod worker's seams, enough to test the worker itself: the real
// ones (env sources, volumes, pulls, probes, resources) are other parts with their own tests.

/// <summary>Literal env values only; a variable from any other source is a configuration error.</summary>
internal sealed class LiteralEnvironment : IContainerEnvironmentBuilder
{
    public Task<ContainerEnvironment> BuildAsync(PodContext pod, V1Container container, CancellationToken ct)
    {
        var variables = new List<KeyValuePair<string, string>>();
        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is not null)
            {
                return Task.FromResult(new ContainerEnvironment([], $"env {env.Name}: only literal values in this test"));
            }
            variables.Add(new(env.Name, env.Value ?? ""));
        }
        return Task.FromResult(new ContainerEnvironment(variables, null));
    }
}

/// <summary>
/// No pod volumes; every container gets one host directory of its pod bind-mounted at /shared
/// (ROOT/&lt;pod name&gt;), so tests can see what containers wrote after they are gone.
/// </summary>
internal sealed class SharedDirectoryVolumes(string root) : IPodVolumes
{
    public string DirectoryOf(string podName) => Path.Combine(root, podName);

    public Task<PodVolumeSetup> SetUpAsync(PodContext pod, CancellationToken ct)
    {
        var dir = DirectoryOf(pod.Pod.Metadata.Name);
        Directory.CreateDirectory(dir);
        var mounts = new Dictionary<string, IReadOnlyList<ContainerMount>>();
        foreach (var c in (pod.Pod.Spec.InitContainers ?? []).Concat(pod.Pod.Spec.Containers))
        {
            mounts[c.Name] = [new ContainerMount("/shared", dir, ReadOnly: false)];
        }
        return Task.FromResult(new PodVolumeSetup(mounts, null));
    }

    public Task TearDownAsync(string podUid, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// Images must already be in the node's containerd (the project images are imported).
/// <see cref="Endless"/> stands for a pull that never ends: it returns only when cancelled.
/// </summary>
internal sealed class PresentImages(CriClient cri) : IImageManager
{
    public const string Endless = "timonel.local/endless-pull:1";

    public async Task<ImageResult> EnsureAsync(PodContext pod, V1Container container, CancellationToken ct)
    {
        if (container.Image == Endless)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        var image = await cri.ImageStatusAsync(container.Image, ct);
        return image.IsSuccess
            ? new ImageResult(image.Value.Id, null, null)
            : new ImageResult(null, "ErrImageNeverPull", $"Container image \"{container.Image}\" is not present");
    }
}

/// <summary>No probes: a running container is started and ready, unless a test marks it for a liveness restart.</summary>
internal sealed class ScriptedProbes : IContainerProbes
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _restart = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _watched = new();

    public void FailLiveness(string containerId, string reason) => _restart[containerId] = reason;

    public bool IsWatched(string containerId) => _watched.ContainsKey(containerId);

    public void Watch(ProbeTarget target) => _watched.TryAdd(target.ContainerId, 0);

    public void Forget(string containerId)
    {
        _watched.TryRemove(containerId, out _);
        _restart.TryRemove(containerId, out _);
    }

    public ContainerProbeState StateOf(string containerId) =>
        new(true, true, _restart.TryGetValue(containerId, out var reason) ? reason : null);
}

/// <summary>No resources or security context: the sandbox's namespaces as the kubelet sets them for a plain pod.</summary>
internal sealed class PlainRuntimeSettings : IContainerRuntimeSettings
{
    public LinuxContainerConfig ForContainer(PodContext pod, V1Container container) => new() { Resources = new LinuxContainerResources() };

    public LinuxPodSandboxConfig ForSandbox(PodContext pod, string cgroupParent) => new()
    {
        CgroupParent = cgroupParent,
        SecurityContext = new LinuxSandboxSecurityContext
        {
            NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
        },
    };
}

internal sealed class NoObjects : IObjectSource
{
    public Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct) => Task.FromResult<V1ConfigMap?>(null);

    public Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct) => Task.FromResult<V1Secret?>(null);
}

/// <summary>Exec hooks only, run with CRI ExecSync: enough to see where the worker calls them.</summary>
internal static class ExecHooks
{
    public static PreStopRunner PreStop(CriClient cri) => async (pod, container, id, grace, ct) =>
    {
        if (container.Lifecycle?.PreStop?.Exec?.Command is { } command)
        {
            await cri.ExecSyncAsync(id, command, grace, ct);
        }
    };

    public static PostStartRunner PostStart(CriClient cri) => async (pod, container, id, ct) =>
    {
        if (container.Lifecycle?.PostStart?.Exec?.Command is not { } command)
        {
            return null;
        }
        var result = await cri.ExecSyncAsync(id, command, TimeSpan.FromSeconds(30), ct);
        return !result.IsSuccess ? result.Error.Message : result.Value.ExitCode == 0 ? null : $"exec hook exited {result.Value.ExitCode}";
    };
}
