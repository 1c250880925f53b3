using k8s.Models;
using Timonel.Client.Api;
using Timonel.Client.Informers;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// End to end: a real `timonel server`, one <see cref="VxlanOverlay"/> per lab node (each with its
/// own informers, as each agent has), Node objects written through the API with a podCIDR and no
/// annotations: the overlays publish their VTEPs, learn each other's from the informer and
/// program their namespaces; a Node deleted takes its entries away on the other node.
/// </summary>
public sealed class OverlayThroughApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Overlays_publish_their_vteps_find_each_other_and_follow_a_node_deleted()
    {
        await using var server = await ServerProcess.StartNewAsync("--disable-controllers");
        await using var lab = await OverlayLab.CreateAsync(OverlayLab.Underlay.SharedSegment, 2);
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        foreach (var node in lab.Nodes)
        {
            var created = await api.CreateAsync(new V1Node
            {
                Metadata = new V1ObjectMeta { Name = node.Overlay.Name, Annotations = new Dictionary<string, string> { ["example.test/kept"] = "yes" } },
                Spec = new V1NodeSpec { PodCIDR = node.Overlay.PodCidr.ToString() },
            });
            Assert.True(created.Ok, created.ToString());
        }
        using var stop = new CancellationTokenSource();
        var factories = new List<SharedInformerFactory>();
        var running = new List<Task>();
        try
        {
            foreach (var node in lab.Nodes)
            {
                var informers = new SharedInformerFactory(api, TimeProvider.System);
                factories.Add(informers);
                var overlay = new VxlanOverlay(api, informers, node.Overlay, node.Kernel, new OverlayOptions { ResyncInterval = TimeSpan.FromSeconds(1) });
                informers.Start();
                running.Add(overlay.RunAsync(stop.Token));
            }

            await Eventually(async () => (await lab.PodToPodAsync(1, 2)).Body == "pod-2 10.42.1.2", "pod 1 reaches pod 2 with its own address");
            await Eventually(async () => (await lab.PodToPodAsync(2, 1)).Body == "pod-1 10.42.2.2", "pod 2 reaches pod 1 with its own address");

            var published = (await api.GetAsync<V1Node>(null, "node-1")).Value!.Metadata.Annotations;
            Assert.Equal(lab.Nodes[0].Overlay.VtepMac, published[OverlayConstants.VtepMacAnnotation]);
            Assert.Equal("10.77.0.11", published[OverlayConstants.PublicIpAnnotation]);
            Assert.Equal("yes", published["example.test/kept"]);

            var deleted = await api.DeleteAsync<V1Node>(null, "node-2");
            Assert.True(deleted.Ok, deleted.ToString());
            await Eventually(async () =>
            {
                var (state, _) = await lab.Nodes[0].Kernel.ReadAsync(CancellationToken.None);
                return state is { Routes.Count: 0, Neighbours.Count: 0, Fdb.Count: 0 };
            }, "node 1 drops node 2's route, neighbour and fdb entry");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
            foreach (var informers in factories)
            {
                await informers.DisposeAsync();
            }
        }
    }

    /// <summary>Waits for a condition the overlays reach asynchronously; not a timing assertion.</summary>
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never happened: {what}");
            await Task.Delay(200);
        }
    }
}
