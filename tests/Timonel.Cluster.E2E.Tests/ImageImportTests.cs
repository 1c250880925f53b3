using System.Security.Cryptography;
using System.Text;
using Timonel.Kubelet.Images;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>`./timonel image import FILE.tar` puts an image no node had into every node of the cluster.</summary>
[Collection(ThreeNodeClusterCollection.Name)]
public sealed class ImageImportTests(ThreeNodeCluster cluster) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-import-").FullName;

    [Fact]
    public async Task An_imported_archive_runs_on_every_node_with_pull_policy_Never()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var image = $"timonel.local/imported-{token}:1";
        var archive = Path.Combine(_dir, "imported.tar");
        // Its own content, so its digest is new: only the import can have put it on a node.
        await OciImageBuilder.WriteAsync(archive, image,
            new ImageLayer().AddFileFrom("bin/busybox", ProjectImages.DefaultBusyboxPath).AddFile("token", Encoding.UTF8.GetBytes(token + "\n")),
            new ImageRunConfig { Cmd = ["/bin/busybox", "sleep", "3600"] });

        var import = await cluster.TimonelAsync("image", "import", archive);

        Assert.True(import.ExitCode == 0, import.Output);
        const string ns = "imported";
        await cluster.Kubectl("create", "namespace", ns);
        try
        {
            foreach (var node in cluster.NodeNames)
            {
                Assert.Contains($"{node}: imported", import.Stdout);
                await cluster.KubectlOk("run", "on-" + node, "-n", ns, "--image=" + image, "--image-pull-policy=Never",
                    "--overrides", $$$"""{"spec":{"nodeName":"{{{node}}}","terminationGracePeriodSeconds":1}}""");
            }
            foreach (var node in cluster.NodeNames)
            {
                await cluster.PodRunningAsync(ns, "on-" + node);
            }
        }
        finally
        {
            await cluster.Kubectl("delete", "namespace", ns, "--wait=false");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
