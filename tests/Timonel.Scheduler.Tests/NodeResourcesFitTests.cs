using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.NodeResourcesBalancedAllocation;
using Timonel.Scheduler.Plugins.NodeResourcesFit;

namespace Timonel.Scheduler.Tests;

public class NodeResourcesFitTests
{
    private static readonly NodeResourcesFitPlugin Plugin = new();

    public static TheoryData<string, string?, string?, string[], string> FilterCases => new()
    {
        // name, pod cpu, pod memory, existing pods as "cpu/memory", expected reasons ("" = fits)
        { "fits on an empty node", "1", "1Gi", [], "" },
        { "fits exactly", "2", "4Gi", ["2/4Gi"], "" },
        { "cpu short", "3", "1Gi", ["2/1Gi"], "Insufficient cpu" },
        { "memory short", "1", "7Gi", ["1/2Gi"], "Insufficient memory" },
        { "both short, both reasons", "3", "7Gi", ["2/2Gi"], "Insufficient cpu, Insufficient memory" },
        { "best effort pod fits a full node", null, null, ["4/8Gi"], "" },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter(string name, string? cpu, string? memory, string[] existing, string expected)
    {
        var pods = existing.Select((e, i) => Make.Pod($"e{i}", e.Split('/')[0], e.Split('/')[1], node: "n1")).ToList();
        var snapshot = Make.Snapshot([Make.Node("n1", cpu: "4", memory: "8Gi")], pods);
        var status = Plugin.Filter(new CycleState(snapshot), new PodInfo(Make.Pod(name, cpu, memory)), snapshot.Nodes[0]);
        Assert.Equal(expected, status.Message);
        Assert.Equal(expected.Length == 0 ? StatusCode.Success : StatusCode.Unschedulable, status.Code);
    }

    [Fact]
    public void Too_many_pods_and_extended_resources_are_reasons()
    {
        var node = Make.Node("n1", pods: 1, extra: new() { ["example.com/gpu"] = "1" });
        var snapshot = Make.Snapshot([node], [Make.Pod("e", node: "n1")]);
        var pod = Make.Pod("p");
        pod.Spec.Containers[0].Resources.Requests["example.com/gpu"] = new ResourceQuantity("2");
        var status = Plugin.Filter(new CycleState(snapshot), new PodInfo(pod), snapshot.Nodes[0]);
        Assert.Equal(["Too many pods", "Insufficient example.com/gpu"], status.Reasons);
    }

    [Fact]
    public void LeastAllocated_prefers_the_emptier_node()
    {
        // n1: 4 cpu, 8Gi with 3 cpu/4Gi used; n2 empty. Pod 1 cpu / 2Gi.
        var snapshot = Make.Snapshot([Make.Node("n1"), Make.Node("n2")], [Make.Pod("e", "3", "4Gi", node: "n1")]);
        var pod = new PodInfo(Make.Pod("p", "1", "2Gi"));
        var state = new CycleState(snapshot);
        var n1 = Plugin.Score(state, pod, snapshot.Get("n1")!);
        var n2 = Plugin.Score(state, pod, snapshot.Get("n2")!);
        // n1: cpu (4-4)/4 = 0, memory (8-6)/8 = 25 -> 12; n2: cpu 75, memory 75 -> 75.
        Assert.Equal(12, n1);
        Assert.Equal(75, n2);
    }

    [Fact]
    public void BalancedAllocation_prefers_equal_cpu_and_memory_shares()
    {
        var snapshot = Make.Snapshot([Make.Node("n1"), Make.Node("n2")], [Make.Pod("e", "2", "1Gi", node: "n1")]);
        var pod = new PodInfo(Make.Pod("p", "1", "2Gi"));
        var plugin = new BalancedAllocationPlugin();
        var state = new CycleState(snapshot);
        // n1: cpu 3/4 = .75, memory 3/8 = .375 -> 100 * (1 - .1875) = 81; n2: .25 and .25 -> 100.
        Assert.Equal(81, plugin.Score(state, pod, snapshot.Get("n1")!));
        Assert.Equal(100, plugin.Score(state, pod, snapshot.Get("n2")!));
    }
}
