using Timonel.Controllers.Deployments;
using Timonel.Controllers.ReplicaSets;

namespace Timonel.Controllers;

public static partial class BuiltinControllers
{
    /// <summary>ReplicaSet, Deployment and StatefulSet.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Workloads { get; } =
    [
        c => new ReplicaSetController(c),
        c => new DeploymentController(c),
        c => new StatefulSets.StatefulSetController(c),
    ];
}
