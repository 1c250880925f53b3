namespace Timonel.Scheduler.Framework;

/// <summary>Scales raw scores to 0..MaxNodeScore relative to the best node, as upstream's default helper.</summary>
public static class ScoreNormalizer
{
    /// <summary>
    /// score = max * s / highest; with <paramref name="reverse"/>, max minus that. When every raw
    /// score is zero, reverse gives all nodes the maximum (nothing bad found anywhere).
    /// </summary>
    public static void Default(Span<long> scores, bool reverse, long maxScore = Scores.MaxNodeScore)
    {
        long highest = 0;
        foreach (var s in scores)
        {
            highest = Math.Max(highest, s);
        }
        if (highest == 0)
        {
            if (reverse)
            {
                scores.Fill(maxScore);
            }
            return;
        }
        for (var i = 0; i < scores.Length; i++)
        {
            var s = maxScore * scores[i] / highest;
            scores[i] = reverse ? maxScore - s : s;
        }
    }
}
