namespace Timonel.Controllers;

public static partial class BuiltinControllers
{
    /// <summary>ReplicaSet and Deployment.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Workloads { get; } =
    [
    ];
}
