using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Queues;

namespace Timonel.Client.Tests;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AddingAQueuedKeyAgainQueuesItOnce()
    {
        using var queue = new WorkQueue<string>(new FakeTimeProvider());
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync()).Key);
        Assert.Equal("b", (await queue.GetAsync()).Key);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task AKeyAddedWhileProcessingIsHandedOutOnlyAfterDone()
    {
        using var queue = new WorkQueue<string>(new FakeTimeProvider());
        queue.Add("a");
        var (first, _) = await queue.GetAsync();
        queue.Add("a");

        // A second worker must not get "a" while the first holds it.
        var second = queue.GetAsync();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.Equal(0, queue.Count);

        queue.Done(first);
        Assert.Equal("a", (await second.WaitAsync(Wait)).Key);
    }

    [Fact]
    public async Task ManyWorkersNeverProcessOneKeyConcurrently()
    {
        using var queue = new WorkQueue<int>(new FakeTimeProvider());
        var active = new int[5];
        var overlaps = 0;
        var processed = 0;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (key, shutDown) = await queue.GetAsync();
                if (shutDown) return;
                if (Interlocked.Increment(ref active[key]) > 1) Interlocked.Increment(ref overlaps);
                await Task.Yield();
                Interlocked.Decrement(ref active[key]);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        })).ToList();
        for (var i = 0; i < 2000; i++)
        {
            queue.Add(i % 5);
            if (i % 50 == 0) await Task.Yield();
        }
        await queue.ShutDownWithDrainAsync().WaitAsync(Wait);
        await Task.WhenAll(workers).WaitAsync(Wait);

        Assert.Equal(0, overlaps);
        Assert.True(processed >= 5, $"processed {processed}");
    }

    [Fact]
    public async Task RateLimitedRetriesBackOffExponentiallyOnTheClock()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(clock);
        var expected = new[] { 5, 10, 20, 40, 80 };
        foreach (var ms in expected)
        {
            queue.AddRateLimited("a");
            Assert.Equal(0, queue.Count);
            clock.Advance(TimeSpan.FromMilliseconds(ms - 1));
            Assert.Equal(0, queue.Count);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, queue.Count);
            var (key, _) = await queue.GetAsync();
            queue.Done(key);
        }
        Assert.Equal(5, queue.NumRequeues("a"));

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
        queue.AddRateLimited("a");
        clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void PerItemBackoffIsCappedAtThousandSeconds()
    {
        var limiter = RateLimiters.DefaultController<string>(new FakeTimeProvider());
        var delays = Enumerable.Range(0, 40).Select(_ => limiter.When("a")).ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(5), delays[0]);
        Assert.Equal(TimeSpan.FromSeconds(1000), delays[^1]);
        Assert.True(delays.Zip(delays.Skip(1)).All(p => p.Second >= p.First));
    }

    [Fact]
    public void TheOverallBucketDelaysBeyondTheBurst()
    {
        var clock = new FakeTimeProvider();
        var limiter = RateLimiters.DefaultController<int>(clock);
        // First failures of 100 different keys: 5 ms each, the bucket's burst absorbs them.
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When(i));
        }
        // The 101st and 102nd wait for refills at 10 per second.
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When(100));
        Assert.Equal(TimeSpan.FromMilliseconds(200), limiter.When(101));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When(102));
    }

    [Fact]
    public async Task AddAfterKeepsTheEarliestTime()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, queue.Count);
        var (key, _) = await queue.GetAsync();
        queue.Done(key);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task ShutDownDrainsQueuedKeysThenReportsShutDown()
    {
        using var queue = new WorkQueue<string>(new FakeTimeProvider());
        var waiting = queue.GetAsync();
        queue.Add("a");
        var (a, _) = await waiting.WaitAsync(Wait);
        queue.Add("b");

        var drained = queue.ShutDownWithDrainAsync();
        queue.Add("c");
        Assert.False(drained.IsCompleted);

        var (b, shutDownB) = await queue.GetAsync();
        Assert.Equal(("b", false), (b, shutDownB));
        queue.Done(b);
        Assert.False(drained.IsCompleted);
        queue.Done(a);
        await drained.WaitAsync(Wait);
        Assert.True((await queue.GetAsync()).ShutDown);
    }
}
