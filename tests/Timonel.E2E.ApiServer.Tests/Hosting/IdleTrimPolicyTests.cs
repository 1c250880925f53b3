using Timonel.Hosting;

namespace Timonel.E2E.ApiServer.Tests.Hosting;

public class IdleTrimPolicyTests
{
    private const long MB = 1L << 20;

    [Fact]
    public void Startup_garbage_is_collected_at_the_first_quiet_reading_then_only_native_memory_while_idle()
    {
        var policy = new IdleTrimPolicy(0);

        Assert.Equal(IdleTrim.None, policy.Tick(30 * MB, 0));              // starting: 30 MB in one interval
        Assert.Equal(IdleTrim.Full, policy.Tick(30 * MB + 100_000, 0));    // quiet now, 30 MB to reclaim
        policy.Trimmed(30 * MB + 200_000, 6 * MB);

        var allocated = 30 * MB + 200_000;
        for (var i = 0; i < 50; i++)
        {
            allocated += 80_000; // an idle server: ~40 KB/s
            Assert.Equal(IdleTrim.NativeOnly, policy.Tick(allocated, 6 * MB));
        }
    }

    [Fact]
    public void A_process_under_load_is_never_trimmed_and_is_once_the_load_stops()
    {
        var policy = new IdleTrimPolicy(0);
        var allocated = 0L;
        for (var i = 0; i < 20; i++)
        {
            allocated += 50 * MB;
            Assert.Equal(IdleTrim.None, policy.Tick(allocated, 40 * MB));
        }

        Assert.Equal(IdleTrim.Full, policy.Tick(allocated + 10_000, 40 * MB));
    }

    [Fact]
    public void A_large_heap_is_left_to_the_GC()
    {
        var policy = new IdleTrimPolicy(0);

        Assert.Equal(IdleTrim.None, policy.Tick(500 * MB, 300 * MB));
        Assert.Equal(IdleTrim.NativeOnly, policy.Tick(500 * MB + 1_000, 300 * MB));
    }

    [Fact]
    public void After_a_full_trim_the_next_waits_for_a_quarter_of_the_heap_in_new_allocations()
    {
        var policy = new IdleTrimPolicy(0);
        policy.Trimmed(0, 200 * MB);

        // Half a megabyte per interval: quiet every time, so only the amount decides.
        var allocated = 0L;
        do
        {
            allocated += MB / 2;
        }
        while (policy.Tick(allocated, 200 * MB) != IdleTrim.Full);

        Assert.Equal(50 * MB, allocated); // a quarter of 200 MB
    }
}
