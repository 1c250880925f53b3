using Timonel.Controllers.LoadBalancer;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>The `--service-lb-pool` syntax and the allocation bookkeeping, without a server.</summary>
public sealed class AddressPoolTests
{
    [Fact]
    public void Ranges_and_cidrs_give_their_addresses_in_order_without_network_and_broadcast_of_a_block()
    {
        var (pool, error) = AddressPool.Parse("10.0.0.5-10.0.0.6, 10.1.0.0/30,10.2.0.8/31");
        Assert.Null(error);
        Assert.Equal(["10.0.0.5", "10.0.0.6", "10.1.0.1", "10.1.0.2", "10.2.0.8", "10.2.0.9"], pool!.Addresses());
        Assert.True(pool.Contains("10.1.0.2"));
        Assert.False(pool.Contains("10.1.0.3"));
        Assert.False(pool.Contains("not-an-ip"));
    }

    [Theory]
    [InlineData("10.0.0.9-10.0.0.1", "neither")]
    [InlineData("10.0.0.0/33", "neither")]
    [InlineData("fd00::1-fd00::2", "neither")]
    [InlineData("10.0.0.1-10.0.0.9,10.0.0.8/29", "overlaps")]
    [InlineData(" , ", "empty")]
    public void A_pool_that_does_not_parse_says_why(string text, string reason)
    {
        var (pool, error) = AddressPool.Parse(text);
        Assert.Null(pool);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void An_address_has_one_holder_and_a_released_one_is_handed_out_again()
    {
        var allocations = new PoolAllocations(AddressPool.Parse("10.0.0.1-10.0.0.2").Pool!);
        Assert.Equal("10.0.0.1", allocations.TakeNextFree("ns/a"));
        Assert.Equal("10.0.0.1", allocations.TakeNextFree("ns/a"));
        Assert.Equal((false, "ns/a"), allocations.TryTake("ns/b", "10.0.0.1"));
        Assert.Equal((false, (string?)null), allocations.TryTake("ns/b", "10.0.0.9"));
        Assert.Equal((true, (string?)null), allocations.TryTake("ns/b", "10.0.0.2"));
        Assert.Null(allocations.TakeNextFree("ns/c"));
        Assert.Equal("10.0.0.1", allocations.Release("ns/a"));
        Assert.Equal("10.0.0.1", allocations.TakeNextFree("ns/c"));
    }
}
