using System.Buffers;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Algorithm;

/// <summary>The Score phase and host selection.</summary>
public sealed partial class SchedulingAlgorithm
{
    /// <summary>
    /// Raw scores live in one pooled plugin-major matrix (plugin p, node i at p * count + i) so
    /// each plugin normalizes a contiguous span; the weighted sum picks the host, and among equal
    /// totals each tied node is equally likely (reservoir sampling with the seeded random).
    /// </summary>
    private string ScoreAndSelect(CycleState state, PodInfo pod, Snapshot snapshot, ArraySegment<NodeInfo> feasible)
    {
        foreach (var plugin in _profile.PreScore)
        {
            var status = plugin.PreScore(state, pod, snapshot, feasible);
            if (status.Code == StatusCode.Error)
            {
                // A scoring failure does not make the pod unschedulable; score what we can.
                continue;
            }
        }
        var plugins = _profile.Score;
        var count = feasible.Count;
        var matrix = ArrayPool<long>.Shared.Rent(plugins.Count * count);
        try
        {
            void ScoreNode(int i)
            {
                var node = feasible[i];
                for (var p = 0; p < plugins.Count; p++)
                {
                    matrix[p * count + i] = plugins[p].Plugin.Score(state, pod, node);
                }
            }
            if (count >= _options.ParallelThreshold)
            {
                Parallel.For(0, count, ScoreNode);
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    ScoreNode(i);
                }
            }
            for (var p = 0; p < plugins.Count; p++)
            {
                plugins[p].Plugin.NormalizeScore(state, pod, matrix.AsSpan(p * count, count));
            }
            var best = 0;
            long bestScore = long.MinValue;
            var ties = 0;
            for (var i = 0; i < count; i++)
            {
                long total = 0;
                for (var p = 0; p < plugins.Count; p++)
                {
                    total += matrix[p * count + i] * plugins[p].Weight;
                }
                if (total > bestScore)
                {
                    bestScore = total;
                    best = i;
                    ties = 1;
                }
                else if (total == bestScore && _random.Next(++ties) == 0)
                {
                    best = i;
                }
            }
            return feasible[best].Name;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(matrix);
        }
    }
}
