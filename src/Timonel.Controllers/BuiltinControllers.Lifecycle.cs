namespace Timonel.Controllers;

public static partial class BuiltinControllers
{
    /// <summary>garbage collector, namespaces, service accounts, node IPAM, node lifecycle.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Lifecycle { get; } =
    [
    ];
}
