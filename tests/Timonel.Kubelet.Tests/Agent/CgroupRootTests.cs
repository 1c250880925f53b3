using Timonel.Kubelet.Agent;

namespace Timonel.Kubelet.Tests.Agent;

/// <summary>The node's cgroup tree is named by node and agent dir, so two clusters' same-named nodes stay apart.</summary>
public sealed class CgroupRootTests
{
    [Fact]
    public void Same_node_name_in_two_data_dirs_gets_two_trees()
    {
        var a = AgentOptions.CgroupRootFor("/var/lib/timonel/nodes/vm/agent", "vm");
        var b = AgentOptions.CgroupRootFor("/tmp/other/nodes/vm/agent", "vm");
        Assert.NotEqual(a, b);
        Assert.StartsWith("/timonel/vm-", a, StringComparison.Ordinal);
        Assert.StartsWith("/timonel/vm-", b, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_dir_written_differently_is_the_same_tree()
    {
        Assert.Equal(AgentOptions.CgroupRootFor("/tmp/c/nodes/n1/agent", "n1"), AgentOptions.CgroupRootFor("/tmp/c/nodes/n1/agent/", "n1"));
        Assert.Equal(AgentOptions.CgroupRootFor("/tmp/c/nodes/n1/agent", "n1"), AgentOptions.CgroupRootFor("/tmp/c/nodes/x/../n1/agent", "n1"));
    }
}
