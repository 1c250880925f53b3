using k8s.Models;
using Timonel.Client.Api;
using Timonel.Controllers.Tests.Lifecycle;
using Timonel.Controllers.Tests.Networking;
using Timonel.Storage.Tests.Etcd;

namespace Timonel.Controllers.Tests.HighAvailability;

/// <summary>
/// Two `timonel server` processes on one etcd: the controller manager and the scheduler run in one
/// of them at a time (each holds its Lease in kube-system), so a Deployment's pods are created once;
/// kill -9 of the leader hands the work to the other server.
/// </summary>
public sealed class LeaderElectionTests
{
    private const string Ns = "default";

    [Fact]
    public async Task Two_servers_on_one_etcd_run_one_controller_manager_and_the_survivor_takes_over()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var a = await ServerProcess.StartNewAsync("--datastore-endpoint", etcd.ClientUrl);
        await using var b = await ServerProcess.StartNewAsync("--datastore-endpoint", etcd.ClientUrl);
        using var apiA = ApiConnection.FromKubeconfig(a.Kubeconfig);
        using var apiB = ApiConnection.FromKubeconfig(b.Kubeconfig);

        var lease = await ClusterFixture.EventuallyAsync(() => apiB.GetAsync<V1Lease>("kube-system", "kube-controller-manager"),
            r => r.Ok && !string.IsNullOrEmpty(r.Value!.Spec.HolderIdentity), "a controller-manager lease holder", 40);
        var (leader, follower, followerApi) = LeaderOf(a, b, apiA, apiB, lease.Value!.Spec.HolderIdentity);
        Assert.DoesNotContain("on lease kube-controller-manager", follower.Output, StringComparison.Ordinal);

        await Objects.DeploymentAsync(apiA, Ns, "web");
        (await apiB.PatchAsync<V1Deployment>(Ns, "web", PatchType.Merge, """{"spec":{"replicas":3}}""")).Require();
        await ClusterFixture.EventuallyAsync(() => PodsAsync(apiA), p => p.Count == 3, "3 pods of the Deployment", 30);
        // Two controller managers would race: a second ReplicaSet or surplus pods would show here.
        await Task.Delay(3000);
        Assert.Equal(3, (await PodsAsync(apiB)).Count);
        Assert.Single((await apiB.ListAsync<V1ReplicaSet>(Ns)).Require().Items);

        leader.Kill();
        (await followerApi.PatchAsync<V1Deployment>(Ns, "web", PatchType.Merge, """{"spec":{"replicas":5}}""")).Require();
        // The survivor waits out the lease duration (15 s) before taking the lease.
        await ClusterFixture.EventuallyAsync(() => PodsAsync(followerApi), p => p.Count == 5, "5 pods after the leader died", 60);
        Assert.Contains("became leader on lease kube-controller-manager", follower.Output, StringComparison.Ordinal);
        var taken = (await followerApi.GetAsync<V1Lease>("kube-system", "kube-controller-manager")).Require();
        Assert.NotEqual(lease.Value!.Spec.HolderIdentity, taken.Spec.HolderIdentity);
        Assert.Single((await followerApi.ListAsync<V1ReplicaSet>(Ns)).Require().Items);
    }

    /// <summary>Which server logged that it leads with this identity.</summary>
    private static (ServerProcess Leader, ServerProcess Follower, ApiConnection FollowerApi) LeaderOf(
        ServerProcess a, ServerProcess b, ApiConnection apiA, ApiConnection apiB, string identity)
    {
        var line = $"{identity} became leader on lease kube-controller-manager";
        if (a.Output.Contains(line, StringComparison.Ordinal))
        {
            return (a, b, apiB);
        }
        Assert.Contains(line, b.Output, StringComparison.Ordinal);
        return (b, a, apiA);
    }

    private static async Task<List<V1Pod>> PodsAsync(ApiConnection api) =>
        (await api.ListAsync<V1Pod>(Ns, new ListOptions { LabelSelector = "app=web" })).Require().Items
            .Where(p => p.Metadata.DeletionTimestamp is null).ToList();
}
