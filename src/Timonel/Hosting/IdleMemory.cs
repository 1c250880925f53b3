using System.Runtime.InteropServices;

namespace Timonel.Hosting;

/// <summary>
/// Gives memory back to the system when the process goes quiet. A workstation GC on a machine with
/// a large L3 cache lets gen0 grow to tens of megabytes before it first collects, and glibc keeps
/// the JIT's and TLS's freed native memory in its arenas: right after start, or after a burst of
/// work, a server or agent doing nothing would hold both for good. When little was allocated over
/// the last interval but much since the last trim, this runs one compacting GC that decommits what
/// is free and asks glibc to release its free pages.
/// </summary>
public static class IdleMemory
{
    /// <summary>How often the allocation counter is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Allocated within one interval, at most, for the process to count as quiet.</summary>
    private const long QuietBytes = 2L << 20;

    /// <summary>Allocated since the last trim, at least, before another is worth a full GC.</summary>
    private const long MinimumReclaimBytes = 8L << 20;

    public static async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        var lastReading = GC.GetTotalAllocatedBytes();
        var atLastTrim = 0L;
        var heapAfterLastTrim = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var allocated = GC.GetTotalAllocatedBytes();
                var quiet = allocated - lastReading < QuietBytes;
                lastReading = allocated;
                // A large heap makes the full GC dear: wait for a quarter of it in new allocations.
                if (quiet && allocated - atLastTrim >= Math.Max(MinimumReclaimBytes, heapAfterLastTrim / 4))
                {
                    Trim();
                    atLastTrim = GC.GetTotalAllocatedBytes();
                    heapAfterLastTrim = GC.GetGCMemoryInfo().HeapSizeBytes;
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
