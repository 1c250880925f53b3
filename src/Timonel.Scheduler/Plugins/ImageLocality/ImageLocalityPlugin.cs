using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.ImageLocality;

/// <summary>
/// Prefers nodes that already hold the pod's images, weighting each image's size by the share of
/// nodes that have it (an image everywhere gives no reason to pick this node), clamped between
/// 23 MiB and 1000 MiB per container so tiny images do not matter and huge ones do not dominate.
/// </summary>
public sealed class ImageLocalityPlugin : IScorePlugin
{
    private const long Mb = 1024 * 1024;
    private const long MinThreshold = 23 * Mb;
    private const long MaxContainerThreshold = 1000 * Mb;

    public string Name => "ImageLocality";

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var snapshot = state.Snapshot;
        var total = snapshot.Nodes.Length;
        if (total == 0 || pod.Images.Length == 0)
        {
            return 0;
        }
        long sum = 0;
        foreach (var image in pod.Images)
        {
            if (node.ImageSizes.TryGetValue(image, out var size))
            {
                var spread = (double)snapshot.ImageNodeCounts.GetValueOrDefault(image, 1) / total;
                sum += (long)(size * spread);
            }
        }
        var max = MaxContainerThreshold * pod.Images.Length;
        sum = Math.Clamp(sum, MinThreshold, max);
        return Scores.MaxNodeScore * (sum - MinThreshold) / (max - MinThreshold);
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        // Already 0..100.
    }
}
