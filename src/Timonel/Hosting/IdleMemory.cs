using System.Runtime.InteropServices;

namespace Timonel.Hosting;

/// <summary>
/// Gives memory back to the system when the process goes quiet. A workstation GC on a machine with
/// a large L3 cache lets gen0 grow to tens of megabytes before it first collects, and glibc keeps
/// the JIT's and TLS's freed native memory in its arenas: right after start, or after a burst of
/// work, a server or agent doing nothing would hold both for good. <see cref="IdleTrimPolicy"/>
/// decides when; a trim is one compacting GC that decommits what is free, then glibc's trim.
/// </summary>
public static class IdleMemory
{
    /// <summary>How often the allocation counter is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        var policy = new IdleTrimPolicy(GC.GetTotalAllocatedBytes());
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (policy.Tick(GC.GetTotalAllocatedBytes(), GC.GetGCMemoryInfo().HeapSizeBytes))
                {
                    Trim();
                    policy.Trimmed(GC.GetTotalAllocatedBytes(), GC.GetGCMemoryInfo().HeapSizeBytes);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>One compacting, decommitting GC, then glibc's arenas trimmed.</summary>
    public static void Trim()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try
        {
            MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to trim.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

/// <summary>
/// When <see cref="IdleMemory"/> trims: the process was quiet over the last interval, enough was
/// allocated since the previous trim to be worth a full GC, and the heap is small enough for that
/// GC to be short.
/// </summary>
public sealed class IdleTrimPolicy(long allocatedAtStart)
{
    /// <summary>Allocated within one interval, at most, for the process to count as quiet.</summary>
    public const long QuietBytes = 1L << 20;

    /// <summary>Allocated since the last trim, at least, before another is worth a full GC.</summary>
    public const long MinimumReclaimBytes = 8L << 20;

    /// <summary>
    /// Above this heap size a blocking compacting GC would pause for a noticeable time (hundreds of
    /// milliseconds for a server holding 100,000 objects), and the few megabytes it gives back do
    /// not matter: such a process is left to the GC's own pace.
    /// </summary>
    public const long MaximumTrimmedHeapBytes = 256L << 20;

    private long _lastReading = allocatedAtStart;
    private long _atLastTrim;
    private long _heapAfterLastTrim;

    /// <summary>One reading of the allocation counter and of the last GC's heap size; true when a trim is due.</summary>
    public bool Tick(long allocatedBytes, long heapBytes)
    {
        var quiet = allocatedBytes - _lastReading < QuietBytes;
        _lastReading = allocatedBytes;
        // A large heap makes the full GC dear: wait for a quarter of it in new allocations.
        return quiet
            && allocatedBytes - _atLastTrim >= Math.Max(MinimumReclaimBytes, _heapAfterLastTrim / 4)
            && heapBytes < MaximumTrimmedHeapBytes;
    }

    /// <summary>Records a trim just done.</summary>
    public void Trimmed(long allocatedBytes, long heapBytes)
    {
        _atLastTrim = allocatedBytes;
        _lastReading = allocatedBytes;
        _heapAfterLastTrim = heapBytes;
    }
}
