using k8s.Models;

namespace Timonel.Network.Dns;

/// <summary>What the node knows that a pod's DNS settings depend on (kubelet's clusterDNS, clusterDomain, resolvConf).</summary>
public sealed record NodeDnsSettings(IReadOnlyList<string> ClusterDnsServers, string ClusterDomain, ResolvConf Host);

/// <summary>
/// A pod's resolver settings from its dnsPolicy and dnsConfig, as the kubelet computes them for
/// CRI's DNSConfig. Pure: the pod worker passes the result to RunPodSandbox.
/// <list type="bullet">
/// <item>ClusterFirst (the default): the cluster DNS servers; search `ns.svc.zone svc.zone zone`
/// then the node's search domains; options `ndots:5`. A pod on the host network gets Default
/// instead, and so does every pod when no cluster DNS is configured.</item>
/// <item>ClusterFirstWithHostNet: ClusterFirst, also on the host network.</item>
/// <item>Default: the node's resolv.conf.</item>
/// <item>None: nothing but dnsConfig.</item>
/// </list>
/// dnsConfig then appends nameservers and searches (duplicates dropped) and merges options by
/// name (the pod's value wins; an option in place keeps its position). The result is cut to the
/// resolver's limits: 3 nameservers, 32 search domains, 2048 characters of search list.
/// </summary>
public static class PodDnsConfig
{
    public const int MaxNameservers = 3;
    public const int MaxSearchDomains = 32;
    public const int MaxSearchChars = 2048;

    public static ResolvConf For(V1Pod pod, NodeDnsSettings node)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        var spec = pod.Spec ?? new V1PodSpec();
        var policy = spec.DnsPolicy ?? "ClusterFirst";
        var hostNetwork = spec.HostNetwork == true;
        var clusterFirst = node.ClusterDnsServers.Count > 0
            && (policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && !hostNetwork));
        ResolvConf baseline;
        if (policy == "None")
        {
            baseline = ResolvConf.Empty;
        }
        else if (clusterFirst)
        {
            var zone = node.ClusterDomain.TrimEnd('.');
            var ns = pod.Metadata?.NamespaceProperty ?? "default";
            baseline = new ResolvConf(node.ClusterDnsServers, [$"{ns}.svc.{zone}", $"svc.{zone}", zone, .. node.Host.Searches], ["ndots:5"]);
        }
        else
        {
            baseline = node.Host;
        }
        return Limit(Merge(baseline, spec.DnsConfig));
    }

    private static ResolvConf Merge(ResolvConf baseline, V1PodDNSConfig? config)
    {
        if (config is null)
        {
            return baseline with { Servers = baseline.Servers.Distinct().ToList(), Searches = baseline.Searches.Distinct().ToList() };
        }
        var servers = baseline.Servers.Concat(config.Nameservers ?? []).Distinct().ToList();
        var searches = baseline.Searches.Concat(config.Searches ?? []).Distinct().ToList();
        var options = new List<(string Name, string Text)>();
        foreach (var text in baseline.Options)
        {
            Set(options, text.Split(':', 2)[0], text);
        }
        foreach (var option in config.Options ?? [])
        {
            if (!string.IsNullOrEmpty(option.Name))
            {
                Set(options, option.Name, option.Value is null ? option.Name : option.Name + ":" + option.Value);
            }
        }
        return new ResolvConf(servers, searches, options.Select(o => o.Text).ToList());
    }

    private static void Set(List<(string Name, string Text)> options, string name, string text)
    {
        var index = options.FindIndex(o => o.Name == name);
        if (index >= 0)
        {
            options[index] = (name, text);
        }
        else
        {
            options.Add((name, text));
        }
    }

    private static ResolvConf Limit(ResolvConf conf)
    {
        var searches = new List<string>();
        var chars = 0;
        foreach (var search in conf.Searches.Take(MaxSearchDomains))
        {
            chars += search.Length + (searches.Count > 0 ? 1 : 0);
            if (chars > MaxSearchChars)
            {
                break;
            }
            searches.Add(search);
        }
        return new ResolvConf(conf.Servers.Take(MaxNameservers).ToList(), searches, conf.Options);
    }
}
