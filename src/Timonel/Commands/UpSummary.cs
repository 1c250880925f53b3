using Timonel.Kubelet.Agent;

namespace Timonel.Commands;

/// <summary>What `up` prints once every node is Ready: the kubeconfig and how this host reaches the cluster.</summary>
internal static class UpSummary
{
    public static void Print(string dataDir, string url, LocalClusterNet net, string kubeconfig)
    {
        var bundled = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".tools", "bin", "kubectl");
        var addresses = string.Join(" ", net.Nodes.Select(n => n.NodeIp));
        var nodes = string.Join("\n", net.Nodes.Select(n => $"    {n.Name,-24} {n.NodeIp,-15} nsenter --net={n.NetnsPath} ..."));
        Console.WriteLine($"""
            timonel: API server ready at {url} (embedded SQLite store: {DataDir.StorePath(dataDir)}); {net.Nodes.Count} node(s) Ready
              export KUBECONFIG={kubeconfig}
              kubectl get nodes -o wide{(File.Exists(bundled) ? $"      (kubectl v1.35: {Path.GetFullPath(bundled)})" : "")}
            nodes (bridge {net.Bridge}, {net.Subnet}; this host is {net.HostIp}{(net.Isolated ? "; isolated: no route out" : "; NAT to the outside")}):
            {nodes}
            from this host:
              NodePort services      http://NODE-IP:NODEPORT on any node: {addresses}
              LoadBalancer services  their EXTERNAL-IP, from the pool {net.LoadBalancerPool}
              Ingress                http://NODE-IP/ and https://NODE-IP/ (ports 80 and 443) on any node
            images timonel.local/pause:3.10, busybox:1, http:1 are on every node; add one with ./timonel image import FILE.tar{UpCommand.DownHint(dataDir)}
            stop it with: ./timonel down{UpCommand.DownHint(dataDir)}
            """);
    }
}
