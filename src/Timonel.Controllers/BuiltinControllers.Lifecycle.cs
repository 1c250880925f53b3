using Timonel.Controllers.GarbageCollector;
using Timonel.Controllers.NodeIpam;
using Timonel.Controllers.NodeLifecycle;
using Timonel.Controllers.Namespaces;
using Timonel.Controllers.ResourceQuotas;
using Timonel.Controllers.ServiceAccounts;

namespace Timonel.Controllers;

public static partial class BuiltinControllers
{
    /// <summary>garbage collector, namespaces, service accounts and the root CA, resource quotas, node IPAM, node lifecycle.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Lifecycle { get; } =
    [
        c => new GarbageCollector.GarbageCollector(c),
        c => new NamespaceController(c),
        c => new ServiceAccountController(c),
        c => new RootCaPublisher(c),
        c => new ResourceQuotaController(c),
        c => new NodeIpamController(c),
        c => new NodeLifecycleController(c),
        c => new TaintEvictionController(c),
    ];
}
