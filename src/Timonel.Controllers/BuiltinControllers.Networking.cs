using Timonel.Controllers.Endpoints;

namespace Timonel.Controllers;

public static partial class BuiltinControllers
{
    /// <summary>Endpoints, EndpointSlices, node endpoints (kube-dns), Ingress status, DaemonSet, Job, CronJob, the Service load balancer.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Networking { get; } =
    [
        c => new EndpointsController(c),
        c => new EndpointSlices.EndpointSliceController(c),
        c => new NodeEndpoints.NodeEndpointsController(c),
        c => new Ingresses.IngressStatusController(c),
        c => new Jobs.JobController(c),
        c => new DaemonSets.DaemonSetController(c),
        c => new CronJobs.CronJobController(c),
        c => new LoadBalancer.ServiceLoadBalancerController(c),
    ];
}
