using Timonel.Controllers.NodeIpam;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>The pod CIDR blocks node IPAM hands out.</summary>
public sealed class CidrSetTests
{
    [Fact]
    public void Blocks_are_handed_out_in_order_skipping_used_ones_and_reused_after_wrapping()
    {
        var set = CidrSet.Create("10.42.0.0/22", 24).Set!;
        Assert.Equal(4, set.Capacity);
        Assert.True(set.Occupy("10.42.1.0/24"));
        Assert.Equal("10.42.0.0/24", set.Allocate());
        Assert.Equal("10.42.2.0/24", set.Allocate());
        Assert.Equal("10.42.3.0/24", set.Allocate());
        Assert.Null(set.Allocate());
        Assert.True(set.Release("10.42.2.0/24"));
        Assert.Equal("10.42.2.0/24", set.Allocate());
    }

    [Fact]
    public void Foreign_or_malformed_cidrs_are_refused()
    {
        var set = CidrSet.Create("10.42.0.0/16", 24).Set!;
        Assert.False(set.Occupy("10.43.0.0/24"));
        Assert.False(set.Occupy("10.42.0.0/25"));
        Assert.False(set.Occupy("fd00::/64"));
        Assert.NotNull(CidrSet.Create("10.42.0.0/24", 16).Error);
        Assert.NotNull(CidrSet.Create("nonsense", 24).Error);
    }

    [Fact]
    public void Ipv6_blocks_work_too()
    {
        var set = CidrSet.Create("fd00:10::/56", 64).Set!;
        Assert.Equal("fd00:10::/64", set.Allocate());
        Assert.Equal("fd00:10:0:1::/64", set.Allocate());
    }
}
