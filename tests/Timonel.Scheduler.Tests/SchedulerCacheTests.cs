using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Tests;

public class SchedulerCacheTests
{
    private readonly FakeTime _time = new();

    private SchedulerCache NewCache()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        cache.AddOrUpdateNode(Make.Node("n1"));
        cache.AddOrUpdateNode(Make.Node("n2"));
        return cache;
    }

    [Fact]
    public void Snapshot_is_reused_until_something_changes_and_old_snapshots_stay_intact()
    {
        var cache = NewCache();
        var first = cache.Current();
        Assert.Same(first, cache.Current());
        cache.AddOrUpdatePod(Make.Pod("a", "1", node: "n1"));
        var second = cache.Current();
        Assert.NotSame(first, second);
        Assert.Empty(first.Get("n1")!.Pods);
        Assert.Equal(1000, second.Get("n1")!.Requested.MilliCpu);
        // The untouched node is shared between snapshots.
        Assert.Same(first.Get("n2"), second.Get("n2"));
    }

    [Fact]
    public void Assumed_pods_count_until_confirmed_forgotten_or_expired()
    {
        var cache = NewCache();
        cache.AssumePod(new PodInfo(Make.Pod("a", "1")), "n1");
        Assert.Equal(1000, cache.Current().Get("n1")!.Requested.MilliCpu);

        cache.ForgetPod("default/a");
        Assert.Equal(0, cache.Current().Get("n1")!.Requested.MilliCpu);

        cache.AssumePod(new PodInfo(Make.Pod("b", "1")), "n1");
        cache.FinishBinding("default/b");
        cache.AddOrUpdatePod(Make.Pod("b", "1", node: "n1"));
        Assert.False(cache.IsAssumed("default/b"));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(cache.CleanupExpiredAssumedPods());
        Assert.Equal(1000, cache.Current().Get("n1")!.Requested.MilliCpu);

        cache.AssumePod(new PodInfo(Make.Pod("c", "1")), "n2");
        Assert.Empty(cache.CleanupExpiredAssumedPods());
        cache.FinishBinding("default/c");
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(cache.CleanupExpiredAssumedPods());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["default/c"], cache.CleanupExpiredAssumedPods());
        Assert.Equal(0, cache.Current().Get("n2")!.Requested.MilliCpu);
    }

    [Fact]
    public void Removing_a_node_hides_it_and_pods_on_unknown_nodes_wait_for_it()
    {
        var cache = NewCache();
        cache.AddOrUpdatePod(Make.Pod("early", "1", node: "n3"));
        Assert.Null(cache.Current().Get("n3"));
        cache.AddOrUpdateNode(Make.Node("n3"));
        Assert.Equal(1000, cache.Current().Get("n3")!.Requested.MilliCpu);
        cache.RemoveNode("n3");
        Assert.Null(cache.Current().Get("n3"));
        Assert.Equal(2, cache.Current().Nodes.Length);
    }

    [Fact]
    public void Image_counts_follow_node_changes()
    {
        var cache = NewCache();
        var image = new k8s.Models.V1ContainerImage { Names = ["app:1"], SizeBytes = 100 };
        cache.AddOrUpdateNode(Make.Node("n1", images: [image]));
        cache.AddOrUpdateNode(Make.Node("n2", images: [image]));
        Assert.Equal(2, cache.Current().ImageNodeCounts["app:1"]);
        cache.RemoveNode("n2");
        Assert.Equal(1, cache.Current().ImageNodeCounts["app:1"]);
    }
}

public class SchedulerCacheEquivalenceTests
{
    /// <summary>
    /// After any sequence of node and pod changes, the incrementally maintained snapshot equals one
    /// built from scratch out of the same final objects.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Incremental_snapshot_matches_a_rebuild(int seed)
    {
        var random = new Random(seed);
        var time = new FakeTime();
        var cache = new SchedulerCache(time, TimeSpan.FromSeconds(30));
        var nodes = new Dictionary<string, k8s.Models.V1Node>();
        var pods = new Dictionary<string, k8s.Models.V1Pod>();
        for (var step = 0; step < 2000; step++)
        {
            var node = $"n{random.Next(12)}";
            var pod = $"p{random.Next(60)}";
            switch (random.Next(6))
            {
                case 0:
                    nodes[node] = Make.Node(node, cpu: $"{random.Next(1, 9)}");
                    cache.AddOrUpdateNode(nodes[node]);
                    break;
                case 1:
                    nodes.Remove(node);
                    cache.RemoveNode(node);
                    break;
                case 2:
                case 3:
                    pods[pod] = Make.Pod(pod, $"{random.Next(1, 500)}m", node: node);
                    cache.AddOrUpdatePod(pods[pod]);
                    break;
                case 4:
                    pods.Remove(pod);
                    cache.RemovePod("default/" + pod);
                    break;
                default:
                    _ = cache.Current();
                    break;
            }
            if (step % 50 == 0)
            {
                AssertSame(Make.Snapshot(nodes.Values, pods.Values), cache.Current());
            }
        }
        AssertSame(Make.Snapshot(nodes.Values, pods.Values), cache.Current());
    }

    private static void AssertSame(Snapshot expected, Snapshot actual)
    {
        Assert.Equal(expected.Nodes.Select(n => n.Name).Order(), actual.Nodes.Select(n => n.Name).Order());
        foreach (var e in expected.Nodes)
        {
            var a = actual.Get(e.Name)!;
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.Allocatable.MilliCpu, a.Allocatable.MilliCpu);
            Assert.Equal(e.Requested.MilliCpu, a.Requested.MilliCpu);
            Assert.Equal(e.Pods.Select(p => p.Key).Order(), a.Pods.Select(p => p.Key).Order());
        }
    }
}
