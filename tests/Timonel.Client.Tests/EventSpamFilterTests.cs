using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Events;

namespace Timonel.Client.Tests;

public sealed class EventSpamFilterTests
{
    [Fact]
    public void AnObjectGetsTwentyFiveEventsAtOnceThenOnePerFiveMinutes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var filter = new EventSpamFilter(clock);

        var allowed = Enumerable.Range(0, 40).Count(_ => filter.Allow("rs-a"));
        Assert.Equal(25, allowed);

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.False(filter.Allow("rs-a"));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(filter.Allow("rs-a"));
        Assert.False(filter.Allow("rs-a"));

        // A long quiet spell refills the bucket up to the burst, not beyond.
        clock.Advance(TimeSpan.FromHours(10));
        Assert.Equal(25, Enumerable.Range(0, 40).Count(_ => filter.Allow("rs-a")));
    }

    [Fact]
    public void ObjectsDoNotLimitEachOther()
    {
        var filter = new EventSpamFilter(new FakeTimeProvider(DateTimeOffset.UtcNow));
        for (var i = 0; i < 30; i++)
        {
            filter.Allow("rs-a");
        }
        Assert.True(filter.Allow("rs-b"));
    }

    [Fact]
    public void ForgottenKeysStartFullAndTheTableStaysBounded()
    {
        var filter = new EventSpamFilter(new FakeTimeProvider(DateTimeOffset.UtcNow));
        for (var i = 0; i < 30; i++)
        {
            filter.Allow("noisy");
        }
        Assert.False(filter.Allow("noisy"));
        for (var i = 0; i < EventSpamFilter.Capacity; i++)
        {
            Assert.True(filter.Allow($"other-{i}"));
        }
        Assert.True(filter.Allow("noisy"));
    }
}
