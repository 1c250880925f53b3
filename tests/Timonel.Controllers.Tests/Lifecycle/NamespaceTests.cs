using k8s.Models;
using static Timonel.Controllers.Tests.Lifecycle.Objects;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>Namespace deletion empties the namespace first; every active namespace has a default ServiceAccount.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class NamespaceTests(LifecycleCluster cluster)
{
    private readonly Client.Api.ApiConnection _api = cluster.Api;

    [Fact]
    public async Task Kubectl_delete_namespace_removes_everything_in_it_then_the_namespace()
    {
        using var kubectl = new KubectlRunner(cluster.Server);
        var ns = await cluster.NewNamespaceAsync("doomed");
        await ConfigMapAsync(_api, ns, "cm");
        await PodAsync(_api, ns, "pod", null);
        await ReplicaSetAsync(_api, ns, "rs");
        (await _api.CreateAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = ns }, StringData = new Dictionary<string, string> { ["a"] = "b" } })).Require();
        // A finalizer someone else must clear holds the namespace until it is cleared.
        await ConfigMapAsync(_api, ns, "held");
        (await _api.PatchAsync<V1ConfigMap>(ns, "held", Client.Api.PatchType.Merge, """{"metadata":{"finalizers":["test.timonel.io/hold"]}}""")).EnsureOk();

        var deletion = Task.Run(() => kubectl.RunAsync("delete", "namespace", ns));
        await Wait.ForAsync("the held configmap marked for deletion",
            async () => (await _api.GetAsync<V1ConfigMap>(ns, "held")).Value?.Metadata.DeletionTimestamp is not null);
        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "cm");
        await Wait.GoneAsync<V1Pod>(_api, ns, "pod");
        await Wait.GoneAsync<V1ReplicaSet>(_api, ns, "rs");
        await Wait.GoneAsync<V1Secret>(_api, ns, "s");
        var terminating = (await _api.GetAsync<V1Namespace>(null, ns)).Require();
        Assert.Equal("Terminating", terminating.Status.Phase);
        // While it terminates, the namespace takes nothing new.
        var late = await _api.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "late", NamespaceProperty = ns } });
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, late.Code);
        Assert.Equal($"unable to create new content in namespace {ns} because it is being terminated", late.Error?.Message);

        await ClearFinalizersAsync<V1ConfigMap>(_api, ns, "held");
        var (code, output) = await deletion;
        Assert.True(code == 0, output);
        Assert.True((await _api.GetAsync<V1Namespace>(null, ns)).IsNotFound);
        Assert.Empty((await _api.ListAsync<V1ConfigMap>(ns)).Require().Items);
    }

    [Fact]
    public async Task A_new_namespace_gets_a_default_service_account_again_after_its_deletion()
    {
        var ns = await cluster.NewNamespaceAsync("sa");
        var first = await Wait.ForAsync("default service account", async () => (await _api.GetAsync<V1ServiceAccount>(ns, "default")).Value);

        (await _api.DeleteAsync<V1ServiceAccount>(ns, "default")).EnsureOk();

        var second = await Wait.ForAsync("default service account re-created", async () =>
            (await _api.GetAsync<V1ServiceAccount>(ns, "default")).Value is { } sa && sa.Metadata.Uid != first.Metadata.Uid ? sa : null);
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
    }
}
