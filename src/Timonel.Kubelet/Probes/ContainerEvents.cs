using k8s.Models;
using Timonel.Client.Events;

namespace Timonel.Kubelet.Probes;

/// <summary>Events about one container of a pod: the involved object is the pod, the fieldPath names the container.</summary>
public interface IContainerEventSink
{
    /// <summary><paramref name="type"/> is "Normal" or "Warning". Never blocks.</summary>
    void Record(V1Pod pod, string containerName, string type, string reason, string message);
}

/// <summary>Events through the agent's <see cref="EventRecorder"/> (source component "kubelet").</summary>
public sealed class RecorderContainerEvents(EventRecorder recorder) : IContainerEventSink
{
    public void Record(V1Pod pod, string containerName, string type, string reason, string message) =>
        recorder.Record(pod, type, reason, message, FieldPathOf(pod, containerName));

    /// <summary><c>spec.containers{name}</c>, or <c>spec.initContainers{name}</c> for an init container, as upstream's references.</summary>
    public static string FieldPathOf(V1Pod pod, string containerName) =>
        pod.Spec?.InitContainers?.Any(c => c.Name == containerName) == true
            ? $"spec.initContainers{{{containerName}}}"
            : $"spec.containers{{{containerName}}}";
}
