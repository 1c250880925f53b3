using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.TaintToleration;

/// <summary>
/// Filter: a node with a NoSchedule or NoExecute taint the pod does not tolerate is out, and no
/// preemption can change that. Score: fewer untolerated PreferNoSchedule taints is better.
/// </summary>
public sealed class TaintTolerationPlugin : IFilterPlugin, IScorePlugin
{
    public string Name => "TaintToleration";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var taint in node.Taints)
        {
            if (taint.Effect is Tolerations.NoSchedule or Tolerations.NoExecute && !Tolerations.ToleratedByAny(taint, pod.Tolerations))
            {
                return Status.Unresolvable($"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}");
            }
        }
        return Status.Success;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        long count = 0;
        foreach (var taint in node.Taints)
        {
            if (taint.Effect != Tolerations.PreferNoSchedule)
            {
                continue;
            }
            var tolerated = false;
            foreach (var t in pod.Tolerations)
            {
                // Only tolerations that apply to PreferNoSchedule (or to every effect) count here.
                if ((string.IsNullOrEmpty(t.Effect) || t.Effect == Tolerations.PreferNoSchedule) && Tolerations.Tolerates(t, taint))
                {
                    tolerated = true;
                    break;
                }
            }
            if (!tolerated)
            {
                count++;
            }
        }
        return count;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores) => ScoreNormalizer.Default(scores, reverse: true);
}
