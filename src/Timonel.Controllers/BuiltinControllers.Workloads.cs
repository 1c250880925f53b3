using Timonel.Controllers.Deployments;
using Timonel.Controllers.ReplicaSets;

namespace Timonel.Controllers;

public static partial class BuiltinControllers
{
    /// <summary>ReplicaSet and Deployment.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Workloads { get; } =
    [
        c => new ReplicaSetController(c),
        c => new DeploymentController(c),
    ];
}
