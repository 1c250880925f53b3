using System.Text;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The pod's <c>/etc/hosts</c>, managed as the kubelet manages it: one file per pod
/// (<c>PODDIR/etc-hosts</c>) with the localhost lines, the pod's IP with its hostname (as
/// <c>HOST.SUBDOMAIN.NS.svc.DOMAIN HOST</c> when spec.subdomain is set) and spec.hostAliases,
/// bind-mounted at /etc/hosts into every container that does not mount something there itself.
/// A hostNetwork pod keeps the image's file (it shares the node's names). Rewritten only when its
/// content changes (a new sandbox has a new IP); running containers see the change through the
/// bind mount only when the file is rewritten in place, which is how it is written.
/// </summary>
internal static class PodHostsFile
{
    public const string ContainerPath = "/etc/hosts";

    public static string PathOf(string podDir) => Path.Combine(podDir, "etc-hosts");

    /// <summary>Writes the pod's file if it changed; null when the pod gets none (hostNetwork, or no IP yet).</summary>
    public static string? Ensure(string podDir, V1Pod pod, string? podIp, string clusterDomain)
    {
        if (pod.Spec.HostNetwork == true || string.IsNullOrEmpty(podIp))
        {
            return null;
        }
        var path = PathOf(podDir);
        var content = Content(pod, podIp, clusterDomain);
        if (!File.Exists(path) || File.ReadAllText(path) != content)
        {
            Directory.CreateDirectory(podDir);
            // In place (not rename): a bind mount holds the inode, so a new inode would not reach running containers.
            File.WriteAllText(path, content);
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        }
        return path;
    }

    public static string Content(V1Pod pod, string podIp, string clusterDomain)
    {
        var hostname = CriConfigs.Hostname(pod);
        var text = new StringBuilder()
            .Append("# Kubernetes-managed hosts file.\n")
            .Append("127.0.0.1\tlocalhost\n")
            .Append("::1\tlocalhost ip6-localhost ip6-loopback\n")
            .Append("fe00::0\tip6-localnet\n")
            .Append("fe00::0\tip6-mcastprefix\n")
            .Append("fe00::1\tip6-allnodes\n")
            .Append("fe00::2\tip6-allrouters\n");
        text.Append(podIp).Append('\t');
        if (!string.IsNullOrEmpty(pod.Spec.Subdomain))
        {
            text.Append(hostname).Append('.').Append(pod.Spec.Subdomain).Append('.')
                .Append(pod.Metadata.NamespaceProperty).Append(".svc.").Append(clusterDomain).Append('\t');
        }
        text.Append(hostname).Append('\n');
        if (pod.Spec.HostAliases is { Count: > 0 } aliases)
        {
            text.Append("\n# Entries added by HostAliases.\n");
            foreach (var alias in aliases)
            {
                text.Append(alias.Ip).Append('\t').Append(string.Join('\t', alias.Hostnames ?? [])).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>True when the container mounts its own /etc/hosts (the kubelet then leaves it alone).</summary>
    public static bool MountedByContainer(V1Container container) =>
        (container.VolumeMounts ?? []).Any(m => m.MountPath.TrimEnd('/') == ContainerPath);
}
