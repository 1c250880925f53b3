using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Images.Tests;

public sealed class ImagePullBackOffTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Waits_start_at_10s_and_double_up_to_300s()
    {
        var backOff = new ImagePullBackOff(_time);
        var key = ImagePullBackOff.KeyOf("uid-1", "busybox:9");
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            var delay = backOff.RecordFailure(key);
            delays.Add(delay);
            _time.Advance(delay);
        }
        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], delays.Select(d => (int)d.TotalSeconds));
    }

    [Fact]
    public void Backs_off_only_until_the_wait_has_passed()
    {
        var backOff = new ImagePullBackOff(_time);
        var key = ImagePullBackOff.KeyOf("uid-1", "busybox:9");
        Assert.False(backOff.IsBackingOff(key));
        backOff.RecordFailure(key);
        Assert.True(backOff.IsBackingOff(key));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(backOff.IsBackingOff(key));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(backOff.IsBackingOff(key));
    }

    [Fact]
    public void Each_pod_and_image_has_its_own_back_off()
    {
        var backOff = new ImagePullBackOff(_time);
        backOff.RecordFailure(ImagePullBackOff.KeyOf("uid-1", "busybox:9"));
        Assert.False(backOff.IsBackingOff(ImagePullBackOff.KeyOf("uid-2", "busybox:9")));
        Assert.False(backOff.IsBackingOff(ImagePullBackOff.KeyOf("uid-1", "busybox:8")));
    }

    [Fact]
    public void A_failure_long_after_the_last_starts_over_at_10s()
    {
        var backOff = new ImagePullBackOff(_time);
        var key = ImagePullBackOff.KeyOf("uid-1", "busybox:9");
        backOff.RecordFailure(key);
        backOff.RecordFailure(key);
        _time.Advance(TimeSpan.FromSeconds(601));
        Assert.Equal(TimeSpan.FromSeconds(10), backOff.RecordFailure(key));
    }
}
