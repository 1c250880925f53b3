using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>The locator seam filled by the test with the containers it ran (the pod worker fills it in the agent).</summary>
internal sealed class FixedLocator : IContainerLocator
{
    private readonly Dictionary<(string, string, string, bool), ContainerLocation> _containers = [];

    public void Add(string ns, string pod, string container, ContainerLocation location, bool previous = false)
    {
        lock (_containers) _containers[(ns, pod, container, previous)] = location;
    }

    public ContainerLocation? Find(string ns, string podName, string container, bool previous)
    {
        lock (_containers) return _containers.GetValueOrDefault((ns, podName, container, previous));
    }
}
