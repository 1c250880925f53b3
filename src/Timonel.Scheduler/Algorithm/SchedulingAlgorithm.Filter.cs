using System.Buffers;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Algorithm;

/// <summary>The Filter phase.</summary>
public sealed partial class SchedulingAlgorithm
{
    private const byte Unvisited = 0, Fits = 1, FitsBeyondLimit = 2, Rejected = 3, Errored = 4;

    /// <summary>
    /// Filters nodes starting at the rotating start index until enough feasible ones are found.
    /// Returns the feasible nodes in a pooled array (caller returns it), in scan order so results
    /// do not depend on thread timing when every node is examined; the per-node statuses are
    /// materialized only when nothing fits, since only the failure message needs them.
    /// </summary>
    private (NodeInfo[] Feasible, int Count, int Rejected, NodeStatusMap? Statuses, string? Error) FindFeasible(
        CycleState state, PodInfo pod, NodeInfo[] nodes, bool rotate)
    {
        var n = nodes.Length;
        var toFind = rotate ? _options.NumFeasibleNodesToFind(n) : n;
        var start = rotate && n > 0 ? _nextStartIndex % n : 0;
        var marks = ArrayPool<byte>.Shared.Rent(Math.Max(n, 1));
        var statuses = ArrayPool<Status>.Shared.Rent(Math.Max(n, 1));
        Array.Clear(marks, 0, n);
        var found = 0;
        void Check(int i)
        {
            if (Volatile.Read(ref found) >= toFind)
            {
                return;
            }
            var status = RunFilters(state, pod, nodes[(start + i) % n]);
            if (status.IsSuccess)
            {
                marks[i] = Interlocked.Increment(ref found) <= toFind ? Fits : FitsBeyondLimit;
            }
            else
            {
                statuses[i] = status;
                marks[i] = status.Code == StatusCode.Error ? Errored : Rejected;
            }
        }
        // Parallel only when the guaranteed work (nodes to find) is large: with cheap filters the
        // fan-out costs more than it saves, and past toFind every examined node is wasted. Chunks
        // keep the per-node overhead to one volatile read.
        if (toFind >= _options.ParallelThreshold)
        {
            var chunk = Math.Max(64, toFind / (2 * Environment.ProcessorCount));
            Parallel.For(0, (n + chunk - 1) / chunk, c =>
            {
                var end = Math.Min(n, (c + 1) * chunk);
                for (var i = c * chunk; i < end && Volatile.Read(ref found) < toFind; i++)
                {
                    Check(i);
                }
            });
        }
        else
        {
            for (var i = 0; i < n && found < toFind; i++)
            {
                Check(i);
            }
        }
        var feasible = ArrayPool<NodeInfo>.Shared.Rent(Math.Max(Math.Min(found, toFind), 1));
        int count = 0, rejected = 0;
        string? error = null;
        NodeStatusMap? map = null;
        var anyFits = found > 0;
        for (var i = 0; i < n; i++)
        {
            switch (marks[i])
            {
                case Fits:
                    feasible[count++] = nodes[(start + i) % n];
                    break;
                case Rejected:
                case Errored:
                    rejected++;
                    if (marks[i] == Errored)
                    {
                        error ??= $"running Filter plugin {statuses[i].Plugin}: {statuses[i].Message}";
                    }
                    if (!anyFits)
                    {
                        (map ??= new NodeStatusMap()).Set(nodes[(start + i) % n].Name, statuses[i]);
                    }
                    break;
            }
        }
        ArrayPool<byte>.Shared.Return(marks);
        ArrayPool<Status>.Shared.Return(statuses, clearArray: true);
        if (rotate && n > 0)
        {
            _nextStartIndex = (start + count + rejected) % n;
        }
        return (feasible, count, rejected, map ?? new NodeStatusMap(), error);
    }
}
