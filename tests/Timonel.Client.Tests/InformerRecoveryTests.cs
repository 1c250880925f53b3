using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Client.Tests;

/// <summary>Its own server, because it is killed.</summary>
public sealed class InformerRecoveryTests
{
    [Fact]
    public async Task AfterAKillAndRestartTheCacheAndTheEventsMatchTheServer()
    {
        await using var server = await ServerProcess.StartNewAsync();
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        const string ns = "default";
        for (var i = 0; i < 20; i++)
        {
            (await api.CreateAsync(Wait.ConfigMap(ns, $"cm-{i}", "1"))).Require();
        }
        await using var factory = new SharedInformerFactory(api, TimeProvider.System, options: new() { Namespace = ns });
        var informer = factory.GetInformer<V1ConfigMap>();
        // What a controller would believe from the events alone: name -> resourceVersion, for this
        // test's maps (the namespace also holds the controllers' kube-root-ca.crt).
        var believed = new ConcurrentDictionary<string, string>();
        var tombstones = 0;
        informer.AddEventHandler(new ResourceEventHandler<V1ConfigMap>
        {
            Added = o => { if (Ours(o)) believed[o.Metadata.Name] = o.Metadata.ResourceVersion; },
            Updated = (_, o) => { if (Ours(o)) believed[o.Metadata.Name] = o.Metadata.ResourceVersion; },
            Deleted = (o, unknown) =>
            {
                believed.TryRemove(o.Metadata.Name, out _);
                if (unknown) Interlocked.Increment(ref tombstones);
            },
        });
        factory.Start();
        await informer.WaitForCacheSyncAsync().WaitAsync(Wait.Long);
        await Wait.UntilAsync(() => believed.Count == 20, "20 config maps are believed");

        server.Kill();
        await server.StartAsync();
        // Changes right after the restart: the informer is still backing off, so it finds them by relisting.
        for (var i = 0; i < 5; i++)
        {
            (await api.DeleteAsync<V1ConfigMap>(ns, $"cm-{i}")).EnsureOk();
            var changed = (await api.GetAsync<V1ConfigMap>(ns, $"cm-{i + 5}")).Require();
            changed.Data["v"] = "2";
            (await api.UpdateAsync(changed)).Require();
            (await api.CreateAsync(Wait.ConfigMap(ns, $"new-{i}", "1"))).Require();
        }

        Dictionary<string, string> truth = [];
        await Wait.UntilAsync(async () =>
        {
            truth = (await api.ListAsync<V1ConfigMap>(ns)).Require().Items
                .Where(Ours)
                .ToDictionary(o => o.Metadata.Name, o => o.Metadata.ResourceVersion);
            var cached = informer.Lister.List(ns).Where(Ours).ToDictionary(o => o.Metadata.Name, o => o.Metadata.ResourceVersion);
            return Same(truth, cached) && Same(truth, believed);
        }, "the cache and the events equal the server's list");

        Assert.Equal(20, truth.Count);
        Assert.DoesNotContain("cm-0", truth.Keys);
        Assert.Equal("2", informer.Lister.Get(ns, "cm-5")!.Data["v"]);
        Assert.True(tombstones <= 5, $"{tombstones} tombstones for 5 deletes");
    }

    private static bool Ours(V1ConfigMap o) =>
        o.Metadata.Name.StartsWith("cm-", StringComparison.Ordinal) || o.Metadata.Name.StartsWith("new-", StringComparison.Ordinal);

    private static bool Same(Dictionary<string, string> a, IDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
