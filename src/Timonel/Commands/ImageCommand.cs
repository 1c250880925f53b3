using Timonel.Kubelet.Images;

namespace Timonel.Commands;

/// <summary>
/// `timonel image import FILE.tar [--node NAME] [--data-dir DIR]`: loads an OCI or docker archive
/// into the containerd of every node of the local cluster under DIR (or the one named). A node
/// whose containerd is not running gets the archive in its images directory, imported when its
/// agent starts.
/// </summary>
internal static class ImageCommand
{
    private const string Usage = "usage: timonel image import FILE.tar [--node NAME] [--data-dir DIR]";

    public static async Task<int> RunAsync(Flags flags)
    {
        if (flags.Has("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        if (flags.Positional is not ["import", var archiveArg])
        {
            return CommandLine.Fail(Usage);
        }
        var dataDir = DataDir.Resolve(flags);
        var nodeName = flags.String("node");
        flags.EnsureAllUsed();

        var archive = Path.GetFullPath(archiveArg);
        if (!File.Exists(archive))
        {
            return CommandLine.Fail($"no such file: {archive}");
        }
        var nodes = LocalNodeImages.Find(dataDir);
        if (nodes.Count == 0)
        {
            return CommandLine.Fail($"no node under {dataDir}: start one with `timonel up` or `timonel agent --data-dir {dataDir}`");
        }
        if (nodeName is not null)
        {
            nodes = nodes.Where(n => n.Name == nodeName).ToList();
            if (nodes.Count == 0)
            {
                return CommandLine.Fail($"no node \"{nodeName}\" under {dataDir} (nodes: {string.Join(", ", LocalNodeImages.Find(dataDir).Select(n => n.Name))})");
            }
        }
        var failed = 0;
        foreach (var node in nodes)
        {
            try
            {
                var outcome = await LocalNodeImages.ImportAsync(node, archive, CancellationToken.None);
                Console.WriteLine(outcome == NodeImportOutcome.Imported
                    ? $"{node.Name}: imported {archive}"
                    : $"{node.Name}: not running; {Path.GetFileName(archive)} is in {Path.Combine(node.AgentDir, ImageAutoImport.ImagesDirName)} and is imported when its agent starts");
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"timonel: {node.Name}: {e.Message}");
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
