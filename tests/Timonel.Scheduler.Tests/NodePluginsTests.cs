using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.ImageLocality;
using Timonel.Scheduler.Plugins.NodeName;
using Timonel.Scheduler.Plugins.NodePorts;
using Timonel.Scheduler.Plugins.NodeUnschedulable;
using Timonel.Scheduler.Plugins.TaintToleration;

namespace Timonel.Scheduler.Tests;

public class NodePluginsTests
{
    private static Status Filter(IFilterPlugin plugin, V1Pod pod, V1Node node, params V1Pod[] existing)
    {
        var snapshot = Make.Snapshot([node], existing);
        return plugin.Filter(new CycleState(snapshot), new PodInfo(pod), snapshot.Nodes[0]);
    }

    public static TheoryData<string, V1Taint[], V1Toleration[], string> TaintCases => new()
    {
        { "no taints", [], [], "" },
        { "untolerated NoSchedule", [Make.Taint("node-role.kubernetes.io/control-plane")], [], "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" },
        { "value shown", [Make.Taint("dedicated", "gpu", "NoExecute")], [], "node(s) had untolerated taint {dedicated: gpu}" },
        { "tolerated by Exists", [Make.Taint("dedicated", "gpu")], [Make.Toleration("dedicated")], "" },
        { "Equal needs the value", [Make.Taint("dedicated", "gpu")], [Make.Toleration("dedicated", "Equal", "db")], "node(s) had untolerated taint {dedicated: gpu}" },
        { "Equal with the value", [Make.Taint("dedicated", "gpu")], [Make.Toleration("dedicated", "Equal", "gpu")], "" },
        { "effect must match", [Make.Taint("dedicated", "gpu", "NoExecute")], [Make.Toleration("dedicated", effect: "NoSchedule")], "node(s) had untolerated taint {dedicated: gpu}" },
        { "empty key Exists tolerates all", [Make.Taint("a"), Make.Taint("b", "", "NoExecute")], [new V1Toleration { OperatorProperty = "Exists" }], "" },
        { "PreferNoSchedule does not filter", [Make.Taint("soft", "", "PreferNoSchedule")], [], "" },
    };

    [Theory]
    [MemberData(nameof(TaintCases))]
    public void TaintToleration_filter(string name, V1Taint[] taints, V1Toleration[] tolerations, string expected)
    {
        var pod = Make.Pod(name);
        pod.Spec.Tolerations = tolerations;
        var status = Filter(new TaintTolerationPlugin(), pod, Make.Node("n1", taints: taints));
        Assert.Equal(expected, status.Message);
        Assert.Equal(expected.Length == 0 ? StatusCode.Success : StatusCode.UnschedulableAndUnresolvable, status.Code);
    }

    [Fact]
    public void TaintToleration_score_prefers_fewer_untolerated_soft_taints()
    {
        var soft = (string k) => Make.Taint(k, "", "PreferNoSchedule");
        var snapshot = Make.Snapshot([Make.Node("none"), Make.Node("one", taints: [soft("a")]), Make.Node("two", taints: [soft("a"), soft("b")]), Make.Node("tolerated", taints: [soft("c")])]);
        var pod = Make.Pod("p");
        pod.Spec.Tolerations = [Make.Toleration("c")];
        var info = new PodInfo(pod);
        var plugin = new TaintTolerationPlugin();
        var state = new CycleState(snapshot);
        var scores = snapshot.Nodes.Select(n => plugin.Score(state, info, n)).ToArray();
        plugin.NormalizeScore(state, info, scores);
        var byName = snapshot.Nodes.Select((n, i) => (n.Name, scores[i])).ToDictionary();
        Assert.Equal(100, byName["none"]);
        Assert.Equal(100, byName["tolerated"]);
        Assert.Equal(50, byName["one"]);
        Assert.Equal(0, byName["two"]);
    }

    [Fact]
    public void NodeUnschedulable_rejects_cordoned_nodes_unless_tolerated()
    {
        var cordoned = Make.Node("n1", unschedulable: true);
        Assert.Equal("node(s) were unschedulable", Filter(new NodeUnschedulablePlugin(), Make.Pod("p"), cordoned).Message);
        var tolerant = Make.Pod("t");
        tolerant.Spec.Tolerations = [Make.Toleration("node.kubernetes.io/unschedulable", effect: "NoSchedule")];
        Assert.True(Filter(new NodeUnschedulablePlugin(), tolerant, cordoned).IsSuccess);
        Assert.True(Filter(new NodeUnschedulablePlugin(), Make.Pod("p"), Make.Node("n2")).IsSuccess);
    }

    [Fact]
    public void NodeName_accepts_only_the_named_node()
    {
        var pod = Make.Pod("p", node: "n2");
        Assert.Equal("node(s) didn't match the requested node name", Filter(new NodeNamePlugin(), pod, Make.Node("n1")).Message);
        Assert.True(Filter(new NodeNamePlugin(), pod, Make.Node("n2")).IsSuccess);
    }

    public static TheoryData<string, string, int, string, string, int, bool> PortCases => new()
    {
        // wanted ip, protocol, port vs used ip, protocol, port -> conflict?
        { "0.0.0.0", "TCP", 80, "0.0.0.0", "TCP", 80, true },
        { "10.0.0.1", "TCP", 80, "0.0.0.0", "TCP", 80, true },
        { "0.0.0.0", "TCP", 80, "10.0.0.1", "TCP", 80, true },
        { "10.0.0.1", "TCP", 80, "10.0.0.2", "TCP", 80, false },
        { "0.0.0.0", "UDP", 80, "0.0.0.0", "TCP", 80, false },
        { "0.0.0.0", "TCP", 81, "0.0.0.0", "TCP", 80, false },
    };

    [Theory]
    [MemberData(nameof(PortCases))]
    public void NodePorts_conflicts(string ip, string proto, int port, string usedIp, string usedProto, int usedPort, bool conflict)
    {
        static V1Pod WithPort(V1Pod p, string ip, string proto, int port)
        {
            p.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 8080, HostPort = port, HostIP = ip, Protocol = proto }];
            return p;
        }
        var status = Filter(new NodePortsPlugin(), WithPort(Make.Pod("p"), ip, proto, port), Make.Node("n1"), WithPort(Make.Pod("e", node: "n1"), usedIp, usedProto, usedPort));
        Assert.Equal(conflict ? "node(s) didn't have free ports for the requested pod ports" : "", status.Message);
    }

    [Fact]
    public void ImageLocality_prefers_the_node_with_the_big_image()
    {
        V1ContainerImage Image(string name, long mb) => new() { Names = [name], SizeBytes = mb * 1024 * 1024 };
        var snapshot = Make.Snapshot(
        [
            Make.Node("big", images: [Image("registry/app:1", 500)]),
            Make.Node("tiny", images: [Image("registry/app:1", 10)]),
            Make.Node("none"),
        ]);
        var pod = new PodInfo(Make.Pod("p", image: "registry/app:1"));
        var plugin = new ImageLocalityPlugin();
        var state = new CycleState(snapshot);
        var big = plugin.Score(state, pod, snapshot.Get("big")!);
        Assert.True(big > 0);
        Assert.Equal(0, plugin.Score(state, pod, snapshot.Get("tiny")!));
        Assert.Equal(0, plugin.Score(state, pod, snapshot.Get("none")!));
        // 500 MiB spread over 2 of 3 nodes: 333 MiB, (333-23)/(1000-23) of 100.
        Assert.Equal(31, big);
    }
}
