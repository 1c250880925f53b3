using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class InformerTests(ServerFixture f)
{
    [Fact]
    public async Task SeesAddUpdateDeleteInOrderAfterTheInitialList()
    {
        var ns = await f.NewNamespaceAsync("order");
        (await f.Api.CreateAsync(Wait.ConfigMap(ns, "before", "0"))).Require();
        await using var factory = new SharedInformerFactory(f.Api, TimeProvider.System, options: new() { Namespace = ns });
        var informer = factory.GetInformer<V1ConfigMap>();
        Assert.Same(informer, factory.GetInformer<V1ConfigMap>());
        var events = Channel.CreateUnbounded<string>();
        informer.AddEventHandler(new ResourceEventHandler<V1ConfigMap>
        {
            Added = o => events.Writer.TryWrite($"add {o.Metadata.Name} {o.Data["v"]}"),
            Updated = (old, o) => events.Writer.TryWrite($"update {o.Metadata.Name} {old.Data["v"]}->{o.Data["v"]}"),
            Deleted = (o, unknown) => events.Writer.TryWrite($"delete {o.Metadata.Name} {unknown}"),
        });
        Assert.False(informer.HasSynced);

        factory.Start();
        await factory.WaitForCacheSyncAsync().WaitAsync(Wait.Long);
        Assert.True(informer.HasSynced);
        Assert.NotNull(informer.Lister.Get(ns, "before"));

        var created = (await f.Api.CreateAsync(Wait.ConfigMap(ns, "c1", "1"))).Require();
        var changed = Clone(created);
        changed.Data["v"] = "2";
        (await f.Api.UpdateAsync(changed)).Require();
        (await f.Api.DeleteAsync<V1ConfigMap>(ns, "c1")).EnsureOk();

        string[] expected = ["add before 0", "add c1 1", "update c1 1->2", "delete c1 False"];
        foreach (var e in expected)
        {
            Assert.Equal(e, await events.Reader.ReadAsync().AsTask().WaitAsync(Wait.Long));
        }
        Assert.Null(informer.Lister.Get(ns, "c1"));
    }

    [Fact]
    public async Task CachedObjectsCarryNoManagedFieldsAndAnUpdateFromOneKeepsTheServers()
    {
        var ns = await f.NewNamespaceAsync("nofields");
        var created = (await f.Api.CreateAsync(Wait.ConfigMap(ns, "c", "1"))).Require();
        Assert.NotEmpty(created.Metadata.ManagedFields);
        await using var factory = new SharedInformerFactory(f.Api, TimeProvider.System, options: new() { Namespace = ns });
        var informer = factory.GetInformer<V1ConfigMap>();
        factory.Start();
        await factory.WaitForCacheSyncAsync().WaitAsync(Wait.Long);

        var cached = informer.Lister.Get(ns, "c")!;
        Assert.Null(cached.Metadata.ManagedFields);
        var changed = Clone(cached);
        changed.Data["v"] = "2";
        var updated = (await f.Api.UpdateAsync(changed)).Require();
        Assert.Contains(updated.Metadata.ManagedFields, e => e.Operation == "Update");
        await Wait.UntilAsync(() => informer.Lister.Get(ns, "c")?.Data["v"] == "2", "the update in the cache");
        Assert.Null(informer.Lister.Get(ns, "c")!.Metadata.ManagedFields);
    }

    [Fact]
    public async Task ListerFiltersByNamespaceLabelsAndCustomIndex()
    {
        var nsA = await f.NewNamespaceAsync("lister-a");
        var nsB = await f.NewNamespaceAsync("lister-b");
        var web = new Dictionary<string, string> { ["app"] = "web" };
        var db = new Dictionary<string, string> { ["app"] = "db" };
        (await f.Api.CreateAsync(Pod(nsA, "web-1", "node-1", web))).Require();
        (await f.Api.CreateAsync(Pod(nsA, "web-2", "node-2", web))).Require();
        (await f.Api.CreateAsync(Pod(nsA, "db-1", "node-1", db))).Require();
        (await f.Api.CreateAsync(Pod(nsB, "web-3", "node-1", web))).Require();

        await using var factory = new SharedInformerFactory(f.Api, TimeProvider.System);
        var pods = factory.GetInformer<V1Pod>();
        pods.AddIndex("spec.nodeName", p => p.Spec.NodeName is { } n ? [n] : []);
        factory.Start();
        await pods.WaitForCacheSyncAsync().WaitAsync(Wait.Long);

        Assert.True(LabelSelector.TryParse("app=web", out var isWeb, out _));
        Assert.Equal(["web-1", "web-2"], Names(pods.Lister.List(nsA, isWeb)));
        Assert.Equal(["db-1", "web-1", "web-2"], Names(pods.Lister.List(nsA)));
        Assert.Equal(["web-3"], Names(pods.Lister.List(nsB, isWeb)));
        Assert.Equal(["web-1", "web-2", "web-3"], Names(pods.Lister.List(null, isWeb).Where(p => p.Metadata.NamespaceProperty == nsA || p.Metadata.NamespaceProperty == nsB)));
        Assert.Equal(["db-1", "web-1", "web-3"], Names(pods.Lister.ByIndex("spec.nodeName", "node-1").Where(p => p.Metadata.NamespaceProperty == nsA || p.Metadata.NamespaceProperty == nsB)));

        // A label change moves the pod between selections once the watch delivers it.
        var moved = Clone(pods.Lister.Get(nsA, "web-2")!);
        moved.Metadata.Labels["app"] = "db";
        (await f.Api.UpdateAsync(moved)).Require();
        await Wait.UntilAsync(() => Names(pods.Lister.List(nsA, isWeb)).SequenceEqual(["web-1"]), "web-2 leaves app=web");
    }

    [Fact]
    public async Task ResyncRedeliversEveryObjectAsAnUpdateOnTheClock()
    {
        var ns = await f.NewNamespaceAsync("resync");
        (await f.Api.CreateAsync(Wait.ConfigMap(ns, "a", "1"))).Require();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new SharedInformerFactory(f.Api, clock, options: new() { Namespace = ns, ResyncPeriod = TimeSpan.FromMinutes(5) });
        var informer = factory.GetInformer<V1ConfigMap>();
        var resyncs = Channel.CreateUnbounded<string>();
        // Only this test's map: the namespace also holds the controllers' kube-root-ca.crt.
        informer.AddEventHandler(new ResourceEventHandler<V1ConfigMap> { Updated = (o, n) => { if (ReferenceEquals(o, n) && n.Metadata.Name == "a") resyncs.Writer.TryWrite(n.Metadata.Name); } });
        factory.Start();
        await informer.WaitForCacheSyncAsync().WaitAsync(Wait.Long);

        // The resync timer is armed on the fake clock as soon as the informer starts.
        await Wait.UntilAsync(() => { clock.Advance(TimeSpan.FromMinutes(5)); return resyncs.Reader.TryPeek(out _); }, "a resync");
        Assert.Equal("a", await resyncs.Reader.ReadAsync().AsTask().WaitAsync(Wait.Long));
    }

    [Fact]
    public async Task FieldSelectorKeepsOnlyMatchingObjectsInListAndWatch()
    {
        var ns = await f.NewNamespaceAsync("fields");
        var labels = new Dictionary<string, string> { ["app"] = "x" };
        (await f.Api.CreateAsync(Pod(ns, "mine-1", "node-a", labels))).Require();
        (await f.Api.CreateAsync(Pod(ns, "other-1", "node-b", labels))).Require();
        await using var factory = new SharedInformerFactory(f.Api, TimeProvider.System,
            options: new() { Namespace = ns, FieldSelector = "spec.nodeName=node-a" });
        var informer = factory.GetInformer<V1Pod>();
        var added = Channel.CreateUnbounded<string>();
        informer.AddEventHandler(new ResourceEventHandler<V1Pod> { Added = p => added.Writer.TryWrite(p.Metadata.Name) });
        factory.Start();
        await factory.WaitForCacheSyncAsync().WaitAsync(Wait.Long);

        (await f.Api.CreateAsync(Pod(ns, "other-2", "node-b", labels))).Require();
        (await f.Api.CreateAsync(Pod(ns, "mine-2", "node-a", labels))).Require();
        Assert.Equal("mine-1", await added.Reader.ReadAsync().AsTask().WaitAsync(Wait.Long));
        Assert.Equal("mine-2", await added.Reader.ReadAsync().AsTask().WaitAsync(Wait.Long));
        Assert.Equal(["mine-1", "mine-2"], Names(informer.Lister.List(ns)));
    }

    internal static V1Pod Pod(string ns, string name, string node, Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string>(labels) },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    internal static T Clone<T>(T obj) => k8s.KubernetesJson.Deserialize<T>(k8s.KubernetesJson.Serialize(obj));

    private static List<string> Names(IEnumerable<k8s.IKubernetesObject<V1ObjectMeta>> objs) =>
        objs.Select(o => o.Metadata.Name).Order(StringComparer.Ordinal).ToList();
}
