using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class RestartBackOffTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private const string Key = "uid-1/app";

    /// <summary>The container fails right away on every run; returns the waits it got before each restart.</summary>
    private List<TimeSpan> CrashLoop(RestartBackOff backOff, int restarts)
    {
        var waits = new List<TimeSpan>();
        for (var i = 0; i < restarts; i++)
        {
            var finished = _time.GetUtcNow();
            var waited = TimeSpan.Zero;
            while (backOff.IsInBackOff(Key, finished, out _, out var remaining))
            {
                _time.Advance(remaining);
                waited += remaining;
            }
            backOff.Next(Key, finished);
            waits.Add(waited);
        }
        return waits;
    }

    [Fact]
    public void First_restart_is_immediate_then_10s_doubling_to_5min()
    {
        var waits = CrashLoop(new RestartBackOff(_time), 9);
        Assert.Equal(new[] { 0, 10, 20, 40, 80, 160, 300, 300, 300 }, waits.Select(w => (int)w.TotalSeconds));
    }

    [Fact]
    public void A_container_that_ran_more_than_10_minutes_starts_again_at_10s()
    {
        var backOff = new RestartBackOff(_time);
        CrashLoop(backOff, 5);
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.False(backOff.IsInBackOff(Key, _time.GetUtcNow(), out _, out _));
        backOff.Next(Key, _time.GetUtcNow());
        Assert.True(backOff.IsInBackOff(Key, _time.GetUtcNow(), out var delay, out _));
        Assert.Equal(TimeSpan.FromSeconds(10), delay);
    }

    [Fact]
    public void Containers_and_pods_are_independent_and_a_forgotten_pod_starts_fresh()
    {
        var backOff = new RestartBackOff(_time);
        CrashLoop(backOff, 3);
        var now = _time.GetUtcNow();
        Assert.False(backOff.IsInBackOff("uid-1/other", now, out _, out _));
        Assert.True(backOff.IsInBackOff(Key, now, out var delay, out _));
        Assert.Equal(TimeSpan.FromSeconds(40), delay); // the wait before the fourth restart
        backOff.ForgetPod("uid-1");
        Assert.False(backOff.IsInBackOff(Key, now, out _, out _));
    }

    [Theory]
    [InlineData(10, "10s")]
    [InlineData(80, "1m20s")]
    [InlineData(300, "5m0s")]
    [InlineData(3725, "1h2m5s")]
    public void Durations_print_as_go_prints_them(int seconds, string expected) =>
        Assert.Equal(expected, RestartBackOff.Format(TimeSpan.FromSeconds(seconds)));
}
