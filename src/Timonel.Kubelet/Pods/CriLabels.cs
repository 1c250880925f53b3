namespace Timonel.Kubelet.Pods;

/// <summary>
/// The labels and annotations the worker puts on CRI sandboxes and containers, named as the
/// kubelet names them, so an agent that restarts finds its pods' containers again by label.
/// </summary>
internal static class CriLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string ContainerName = "io.kubernetes.container.name";

    public const string RestartCount = "io.kubernetes.container.restartCount";
    public const string TerminationMessagePath = "io.kubernetes.container.terminationMessagePath";
    public const string TerminationGracePeriod = "io.kubernetes.pod.terminationGracePeriod";

    /// <summary>The restart count a container was created with; 0 when the annotation is missing or bad.</summary>
    public static int RestartCountOf(IDictionary<string, string> annotations) =>
        annotations.TryGetValue(RestartCount, out var text) && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : 0;
}
