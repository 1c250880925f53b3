using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Images;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// `timonel image import` and the agent's auto-import against a real containerd. The local
/// cluster's layout is made with a symlink: DIR/agent/containerd points at the node's data dir.
/// </summary>
public sealed class ImageImportTests(ContainerdNode node) : IClassFixture<ContainerdNode>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string AgentDir => Path.Combine(_dir, "agent");

    private void MakeLocalCluster()
    {
        Directory.CreateDirectory(AgentDir);
        File.CreateSymbolicLink(Path.Combine(AgentDir, "containerd"), node.DataDir);
        File.WriteAllText(Path.Combine(AgentDir, LocalNodeImages.NodeNameFile), "e2e-node\n");
    }

    [Fact]
    public async Task The_command_imports_an_archive_into_the_named_nodes_containerd()
    {
        MakeLocalCluster();
        var archive = await TestImages.WriteUniqueAsync(Path.Combine(_dir, "app.tar"), "timonel.local/imported-by-command:1");

        var (code, stdout, stderr) = await TimonelAsync("image", "import", archive, "--node", "e2e-node", "--data-dir", _dir);

        Assert.True(code == 0, stderr);
        Assert.Equal($"e2e-node: imported {archive}", stdout.Trim());
        var image = (await node.Cri.ImageStatusAsync("timonel.local/imported-by-command:1")).GetValueOrThrow();
        Assert.Equal(await RegistryPusher.ConfigDigestAsync(archive), image.Id);
    }

    [Fact]
    public async Task The_command_names_the_nodes_there_are_when_asked_for_another()
    {
        MakeLocalCluster();
        var archive = await TestImages.WriteUniqueAsync(Path.Combine(_dir, "app.tar"), "timonel.local/never-imported:1");

        var (code, _, stderr) = await TimonelAsync("image", "import", archive, "--node", "nope", "--data-dir", _dir);

        Assert.Equal(2, code);
        Assert.Contains($"no node \"nope\" under {_dir} (nodes: e2e-node)", stderr, StringComparison.Ordinal);
        Assert.False((await node.Cri.ImageStatusAsync("timonel.local/never-imported:1")).IsSuccess);
    }

    [Fact]
    public async Task Archives_in_the_images_directory_are_imported_once()
    {
        var archive = await TestImages.WriteUniqueAsync(Path.Combine(AgentDir, ImageAutoImport.ImagesDirName, "auto.tar"), "timonel.local/auto-imported:1");

        var first = await ImageAutoImport.RunAsync(AgentDir, node.Supervisor.Paths, NullLogger.Instance, CancellationToken.None);
        Assert.Equal([new AutoImportResult(archive, false, null)], first);
        var image = (await node.Cri.ImageStatusAsync("timonel.local/auto-imported:1")).GetValueOrThrow();
        Assert.Equal(await RegistryPusher.ConfigDigestAsync(archive), image.Id);

        var second = await ImageAutoImport.RunAsync(AgentDir, node.Supervisor.Paths, NullLogger.Instance, CancellationToken.None);
        Assert.Equal([new AutoImportResult(archive, true, null)], second);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> TimonelAsync(params string[] args) =>
        await Run.CommandAsync("dotnet", [RepoPaths.TimonelDll, .. args]);
}
