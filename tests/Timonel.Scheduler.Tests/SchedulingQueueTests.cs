using Timonel.Scheduler.Algorithm;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Tests;

public class SchedulingQueueTests
{
    private readonly FakeTime _time = new();

    private SchedulingQueue NewQueue() => new(_time, new SchedulerOptions());

    private static PodInfo Pod(string name, int priority = 0) => new(Make.Pod(name, priority: priority));

    private static string? PopName(SchedulingQueue q) => q.TryPop(out var p) ? p.Pod.Name : null;

    [Fact]
    public void Active_queue_orders_by_priority_then_arrival()
    {
        var q = NewQueue();
        q.Add(Pod("low-first", 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        q.Add(Pod("high", 100));
        _time.Advance(TimeSpan.FromSeconds(1));
        q.Add(Pod("low-second", 1));
        Assert.Equal("high", PopName(q));
        Assert.Equal("low-first", PopName(q));
        Assert.Equal("low-second", PopName(q));
        Assert.Null(PopName(q));
    }

    [Fact]
    public void Backoff_starts_at_one_second_and_doubles_up_to_ten()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        foreach (var seconds in new[] { 1, 2, 4, 8, 10, 10 })
        {
            Assert.True(q.TryPop(out var popped));
            q.AddBackoff(popped);
            _time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            Assert.Null(PopName(q));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal("p", PopName(q));
    }

    [Fact]
    public void Unschedulable_pods_wait_for_an_event()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        q.AddUnschedulable(popped);
        Assert.Equal(1, q.UnschedulableCount);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(PopName(q));
        q.MoveAllToActiveOrBackoff();
        Assert.Equal("p", PopName(q));
    }

    [Fact]
    public void An_event_during_backoff_moves_the_pod_to_backoff_not_active()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        q.AddUnschedulable(popped);
        q.MoveAllToActiveOrBackoff();
        Assert.Equal(1, q.BackoffCount);
        Assert.Null(PopName(q));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("p", PopName(q));
    }

    [Fact]
    public void Unschedulable_pods_are_retried_after_five_minutes()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        q.AddUnschedulable(popped);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Null(PopName(q));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("p", PopName(q));
    }

    [Fact]
    public void An_event_while_the_pod_is_in_flight_sends_it_to_backoff()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        q.MoveAllToActiveOrBackoff();
        q.AddUnschedulable(popped);
        Assert.Equal(0, q.UnschedulableCount);
        Assert.Equal(1, q.BackoffCount);
    }

    [Fact]
    public void Deleted_pods_leave_every_queue_and_are_not_requeued_after_flight()
    {
        var q = NewQueue();
        q.Add(Pod("a"));
        q.Add(Pod("b"));
        q.Delete("default/a");
        Assert.True(q.TryPop(out var b));
        Assert.Equal("b", b.Pod.Name);
        q.Delete("default/b");
        q.AddUnschedulable(b);
        Assert.Equal(0, q.UnschedulableCount + q.BackoffCount + q.ActiveCount);
    }

    [Fact]
    public void Updating_an_unschedulable_pod_retries_it()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        q.AddUnschedulable(popped);
        _time.Advance(TimeSpan.FromSeconds(2));
        q.Update(Pod("p", priority: 5));
        Assert.True(q.TryPop(out var again));
        Assert.Equal(5, again.Pod.Priority);
    }
}
