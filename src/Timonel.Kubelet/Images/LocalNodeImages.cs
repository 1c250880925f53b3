using System.Net.Sockets;
using Timonel.Kubelet.Containerd;

namespace Timonel.Kubelet.Images;

/// <summary>A node of a local cluster: its agent directory and its containerd's files.</summary>
public sealed record LocalNode(string Name, string AgentDir, ContainerdPaths Containerd);

/// <summary>How an archive reached a node.</summary>
public enum NodeImportOutcome
{
    /// <summary>Imported into the node's running containerd.</summary>
    Imported,
    /// <summary>The node's containerd is not running: the archive waits in its images directory for the next agent start.</summary>
    Queued,
}

/// <summary>
/// Finds the nodes of a local cluster under a data dir and imports image archives into them: the
/// node of <c>timonel agent --data-dir DIR</c> keeps its containerd under <c>DIR/agent/containerd</c>,
/// the nodes of <c>timonel up</c> under <c>DIR/nodes/NAME/agent/containerd</c>.
/// </summary>
public static class LocalNodeImages
{
    public const string NodeNameFile = "node-name";

    public static IReadOnlyList<LocalNode> Find(string dataDir)
    {
        var nodes = new List<LocalNode>();
        var agentDirs = new List<(string AgentDir, string Fallback)> { (Path.Combine(dataDir, "agent"), "agent") };
        var nodesDir = Path.Combine(dataDir, "nodes");
        if (Directory.Exists(nodesDir))
        {
            agentDirs.AddRange(Directory.EnumerateDirectories(nodesDir).Order(StringComparer.Ordinal)
                .Select(d => (Path.Combine(d, "agent"), Path.GetFileName(d))));
        }
        foreach (var (agentDir, fallback) in agentDirs)
        {
            var containerdDir = Path.Combine(agentDir, "containerd");
            if (!Directory.Exists(containerdDir))
            {
                continue;
            }
            var nameFile = Path.Combine(agentDir, NodeNameFile);
            var name = File.Exists(nameFile) ? File.ReadAllText(nameFile).Trim() : "";
            nodes.Add(new LocalNode(name.Length > 0 ? name : fallback, agentDir,
                ContainerdPaths.For(new ContainerdOptions { DataDir = containerdDir })));
        }
        return nodes;
    }

    /// <summary>Imports into a running node; queues the archive for the next start of a stopped one. A failing import throws (ctr's message).</summary>
    public static async Task<NodeImportOutcome> ImportAsync(LocalNode node, string archive, CancellationToken ct, string ctrPath = "ctr")
    {
        if (await IsListeningAsync(node.Containerd.Socket, ct).ConfigureAwait(false))
        {
            await ContainerdImageImport.ImportAsync(node.Containerd.Socket, archive, ctrPath, ct).ConfigureAwait(false);
            return NodeImportOutcome.Imported;
        }
        var imagesDir = Path.Combine(node.AgentDir, ImageAutoImport.ImagesDirName);
        Directory.CreateDirectory(imagesDir);
        var queued = Path.Combine(imagesDir, Path.GetFileName(archive));
        if (!string.Equals(Path.GetFullPath(archive), Path.GetFullPath(queued), StringComparison.Ordinal))
        {
            File.Copy(archive, queued, overwrite: true);
        }
        return NodeImportOutcome.Queued;
    }

    private static async Task<bool> IsListeningAsync(string socketPath, CancellationToken ct)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false; // a socket file left by a containerd that is gone
        }
    }
}
