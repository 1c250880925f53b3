using System.Runtime.InteropServices;

namespace Timonel.Hosting;

/// <summary>
/// Gives memory back to the system when the process goes quiet. A workstation GC on a machine with
/// a large L3 cache lets gen0 grow to tens of megabytes before it first collects, and glibc keeps
/// the JIT's and TLS's freed native memory in its arenas: right after start, or after a burst of
/// work, a server or agent doing nothing would hold both for good. <see cref="IdleTrimPolicy"/>
/// decides what to give back at each reading.
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
                switch (policy.Tick(GC.GetTotalAllocatedBytes(), GC.GetGCMemoryInfo().HeapSizeBytes))
                {
                    case IdleTrim.Full:
                        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                        TrimNativeHeap();
                        policy.Trimmed(GC.GetTotalAllocatedBytes(), GC.GetGCMemoryInfo().HeapSizeBytes);
                        break;
                    case IdleTrim.NativeOnly:
                        TrimNativeHeap();
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>glibc's free pages back to the system, in every arena (the JIT's scratch memory above all).</summary>
    private static void TrimNativeHeap()
    {
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

/// <summary>What one reading of <see cref="IdleMemory"/> gives back.</summary>
public enum IdleTrim
{
    None,
    /// <summary>Only glibc's free pages: cheap, done at every quiet reading.</summary>
    NativeOnly,
    /// <summary>A compacting GC in the aggressive mode (free regions decommitted), then glibc's pages.</summary>
    Full,
}

/// <summary>
/// When <see cref="IdleMemory"/> trims: only when the process was quiet over the last interval;
/// the GC as well when enough was allocated since the previous full trim to be worth a full GC and
/// the heap is small enough for that GC to be short.
/// </summary>
public sealed class IdleTrimPolicy(long allocatedAtStart)
{
    /// <summary>Allocated within one interval, at most, for the process to count as quiet.</summary>
    public const long QuietBytes = 1L << 20;

    /// <summary>Allocated since the last full trim, at least, before another is worth a full GC.</summary>
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

    /// <summary>One reading of the allocation counter and of the last GC's heap size.</summary>
    public IdleTrim Tick(long allocatedBytes, long heapBytes)
    {
        var quiet = allocatedBytes - _lastReading < QuietBytes;
        _lastReading = allocatedBytes;
        if (!quiet)
        {
            return IdleTrim.None;
        }
        // A large heap makes the full GC dear: wait for a quarter of it in new allocations.
        return allocatedBytes - _atLastTrim >= Math.Max(MinimumReclaimBytes, _heapAfterLastTrim / 4)
            && heapBytes < MaximumTrimmedHeapBytes
            ? IdleTrim.Full
            : IdleTrim.NativeOnly;
    }

    /// <summary>Records a full trim just done.</summary>
    public void Trimmed(long allocatedBytes, long heapBytes)
    {
        _atLastTrim = allocatedBytes;
        _lastReading = allocatedBytes;
        _heapAfterLastTrim = heapBytes;
    }
}
