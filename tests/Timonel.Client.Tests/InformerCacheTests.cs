using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Informers;

namespace Timonel.Client.Tests;

public sealed class InformerCacheTests
{
    [Fact]
    public void TenThousandPodsAreIndexedByNamespaceAndNode()
    {
        var cache = new InformerCache<V1Pod>();
        cache.AddIndex("spec.nodeName", p => p.Spec.NodeName is { } n ? [n] : []);
        var moved = InformerTests.Pod("ns-0", "p-0", "node-elsewhere", new() { ["tier"] = "even" });
        lock (cache.Sync)
        {
            for (var i = 0; i < 10_000; i++)
            {
                var pod = InformerTests.Pod($"ns-{i % 10}", $"p-{i}", $"node-{i % 100}", new() { ["tier"] = i % 2 == 0 ? "even" : "odd" });
                cache.Upsert($"ns-{i % 10}/p-{i}", pod);
            }
            // Moving a pod to another node updates the index.
            cache.Upsert("ns-0/p-0", moved);
            cache.Remove("ns-1/p-1");
        }

        Assert.Equal(9_999, cache.Count);
        Assert.Equal(1_000, cache.List("ns-0").Count);
        Assert.Equal(999, cache.List("ns-1").Count);
        Assert.True(LabelSelector.TryParse("tier=even", out var even, out _));
        Assert.Equal(1_000, cache.List("ns-0", even).Count);
        Assert.Equal(99, cache.ByIndex("spec.nodeName", "node-0").Count);
        Assert.Equal("p-0", Assert.Single(cache.ByIndex("spec.nodeName", "node-elsewhere")).Metadata.Name);
        Assert.Null(cache.Get("ns-1", "p-1"));
        Assert.Same(moved, cache.Get("ns-0", "p-0"));
    }

    [Fact]
    public void IndexesAndNamespaceListsHandOutTheLatestVersionOfAnObject()
    {
        var cache = new InformerCache<V1Pod>();
        cache.AddIndex("spec.nodeName", p => p.Spec.NodeName is { } n ? [n] : []);
        var first = InformerTests.Pod("ns", "p", "node-1", new() { ["v"] = "1" });
        var second = InformerTests.Pod("ns", "p", "node-1", new() { ["v"] = "2" });
        lock (cache.Sync)
        {
            cache.Upsert("ns/p", first);
            // Same index values, new object: the index must not keep the old one.
            cache.Upsert("ns/p", second);
        }

        Assert.Same(second, Assert.Single(cache.ByIndex("spec.nodeName", "node-1")));
        Assert.Same(second, Assert.Single(cache.List("ns")));
        Assert.Empty(cache.ByIndex("spec.nodeName", "node-2"));
        lock (cache.Sync)
        {
            cache.Remove("ns/p");
        }
        Assert.Empty(cache.ByIndex("spec.nodeName", "node-1"));
        Assert.Empty(cache.List("ns"));
    }
}
