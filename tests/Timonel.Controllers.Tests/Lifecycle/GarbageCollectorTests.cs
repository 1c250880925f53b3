using k8s.Models;
using static Timonel.Controllers.Tests.Lifecycle.Objects;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>Background, Foreground and Orphan deletion of owners with dependents, as upstream's garbage collector does them.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class GarbageCollectorTests(LifecycleCluster cluster)
{
    private readonly Client.Api.ApiConnection _api = cluster.Api;

    [Fact]
    public async Task Background_deletion_removes_the_dependents_after_the_owner()
    {
        var ns = await cluster.NewNamespaceAsync("gc-bg");
        var owner = await ReplicaSetAsync(_api, ns, "owner");
        await PodAsync(_api, ns, "p1", null, RefTo(owner, controller: true));
        await PodAsync(_api, ns, "p2", null, RefTo(owner, controller: true));
        await ConfigMapAsync(_api, ns, "cm", RefTo(owner));

        (await _api.DeleteAsync<V1ReplicaSet>(ns, "owner")).EnsureOk();

        Assert.True((await _api.GetAsync<V1ReplicaSet>(ns, "owner")).IsNotFound, "a background delete removes the owner at once");
        await Wait.GoneAsync<V1Pod>(_api, ns, "p1");
        await Wait.GoneAsync<V1Pod>(_api, ns, "p2");
        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "cm");
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_blocking_dependents_are_gone_recursively()
    {
        var ns = await cluster.NewNamespaceAsync("gc-fg");
        var owner = await ReplicaSetAsync(_api, ns, "owner");
        // A dependent held by a finalizer of "someone else" keeps the owner waiting.
        await PodAsync(_api, ns, "held", ["test.timonel.io/hold"], RefTo(owner, block: true, controller: true));
        await PodAsync(_api, ns, "free", null, RefTo(owner, block: true, controller: true));
        var middle = await ConfigMapAsync(_api, ns, "middle", RefTo(owner, block: true));
        await ConfigMapAsync(_api, ns, "leaf", RefTo(middle, block: true));

        var deleting = (await _api.DeleteAsync<V1ReplicaSet>(ns, "owner", "Foreground")).Require();
        Assert.Contains("foregroundDeletion", deleting.Metadata.Finalizers);

        await Wait.GoneAsync<V1Pod>(_api, ns, "free");
        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "leaf");
        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "middle");
        await Wait.ForAsync("held pod terminating", async () => (await _api.GetAsync<V1Pod>(ns, "held")).Value?.Metadata.DeletionTimestamp is not null);
        var waiting = (await _api.GetAsync<V1ReplicaSet>(ns, "owner")).Require();
        Assert.NotNull(waiting.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", waiting.Metadata.Finalizers);

        await ClearFinalizersAsync<V1Pod>(_api, ns, "held");
        await Wait.GoneAsync<V1Pod>(_api, ns, "held");
        await Wait.GoneAsync<V1ReplicaSet>(_api, ns, "owner");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_the_dependents_without_the_reference()
    {
        var ns = await cluster.NewNamespaceAsync("gc-orphan");
        var owner = await ConfigMapAsync(_api, ns, "owner");
        var other = await ConfigMapAsync(_api, ns, "other");
        await PodAsync(_api, ns, "p1", null, RefTo(owner, block: true));
        await ConfigMapAsync(_api, ns, "cm", RefTo(owner), RefTo(other));

        (await _api.DeleteAsync<V1ConfigMap>(ns, "owner", "Orphan")).EnsureOk();

        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "owner");
        var pod = (await _api.GetAsync<V1Pod>(ns, "p1")).Require();
        Assert.True(pod.Metadata.OwnerReferences is null or { Count: 0 });
        var cm = (await _api.GetAsync<V1ConfigMap>(ns, "cm")).Require();
        Assert.Equal([other.Metadata.Uid], cm.Metadata.OwnerReferences.Select(o => o.Uid));
        Assert.Null(pod.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task A_dependent_with_two_owners_survives_one_and_goes_with_the_last()
    {
        var ns = await cluster.NewNamespaceAsync("gc-two");
        var first = await ConfigMapAsync(_api, ns, "first");
        var second = await ReplicaSetAsync(_api, ns, "second");
        await ConfigMapAsync(_api, ns, "shared", RefTo(first), RefTo(second));

        (await _api.DeleteAsync<V1ConfigMap>(ns, "first")).EnsureOk();
        // The gone owner's reference is dropped; the dependent stays for the other owner.
        var survivor = await Wait.ForAsync("reference to the deleted owner removed", async () =>
        {
            var cm = (await _api.GetAsync<V1ConfigMap>(ns, "shared")).Require();
            return cm.Metadata.OwnerReferences?.Count == 1 ? cm : null;
        });
        Assert.Equal(second.Metadata.Uid, survivor.Metadata.OwnerReferences[0].Uid);
        Assert.Null(survivor.Metadata.DeletionTimestamp);

        (await _api.DeleteAsync<V1ReplicaSet>(ns, "second")).EnsureOk();
        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "shared");
    }

    [Fact]
    public async Task Foreground_deletion_of_an_ownership_cycle_finishes()
    {
        var ns = await cluster.NewNamespaceAsync("gc-cycle");
        var a = await ConfigMapAsync(_api, ns, "a");
        var b = await ConfigMapAsync(_api, ns, "b", RefTo(a, block: true));
        (await _api.PatchAsync<V1ConfigMap>(ns, "a", Client.Api.PatchType.Merge,
            $$$"""{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"b","uid":"{{{b.Metadata.Uid}}}","blockOwnerDeletion":true}]}}""")).EnsureOk();

        (await _api.DeleteAsync<V1ConfigMap>(ns, "a", "Foreground")).EnsureOk();

        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "a");
        await Wait.GoneAsync<V1ConfigMap>(_api, ns, "b");
    }

    [Fact]
    public async Task Kubectl_delete_deployment_cascade_orphan_foreground_background()
    {
        // Real Deployments: the deployment and ReplicaSet controllers in the server create the
        // ReplicaSet and its pods; kubectl's --cascade then decides what happens to them.
        using var kubectl = new KubectlRunner(cluster.Server);
        var ns = await cluster.NewNamespaceAsync("gc-kubectl");

        var orphanRs = await CreateDeploymentAsync(kubectl, ns, "orphan-me");
        var (code, output) = await kubectl.RunAsync("delete", "deployment", "orphan-me", "-n", ns, "--cascade=orphan");
        Assert.True(code == 0, output);
        await Wait.GoneAsync<V1Deployment>(_api, ns, "orphan-me");
        var orphan = (await _api.GetAsync<V1ReplicaSet>(ns, orphanRs)).Require();
        Assert.True(orphan.Metadata.OwnerReferences is null or { Count: 0 });

        var fgRs = await CreateDeploymentAsync(kubectl, ns, "fg");
        (code, output) = await kubectl.RunAsync("delete", "deployment", "fg", "-n", ns, "--cascade=foreground");
        Assert.True(code == 0, output);
        // kubectl waits for the deployment to be gone, which foreground deletion allows only after
        // its blocking dependents (the ReplicaSet, and through it the pods) are gone.
        Assert.True((await _api.GetAsync<V1Deployment>(ns, "fg")).IsNotFound);
        Assert.True((await _api.GetAsync<V1ReplicaSet>(ns, fgRs)).IsNotFound);
        var fgPods = (await _api.ListAsync<V1Pod>(ns, new Client.Api.ListOptions { LabelSelector = "app=fg" })).Require();
        Assert.Empty(fgPods.Items);

        var bgRs = await CreateDeploymentAsync(kubectl, ns, "bg");
        (code, output) = await kubectl.RunAsync("delete", "deployment", "bg", "-n", ns, "--cascade=background");
        Assert.True(code == 0, output);
        Assert.True((await _api.GetAsync<V1Deployment>(ns, "bg")).IsNotFound);
        await Wait.GoneAsync<V1ReplicaSet>(_api, ns, bgRs);
    }

    /// <summary>`kubectl create deployment`, then the name of the ReplicaSet its controller made.</summary>
    private async Task<string> CreateDeploymentAsync(KubectlRunner kubectl, string ns, string name)
    {
        var (code, output) = await kubectl.RunAsync("create", "deployment", name, "-n", ns, "--image=x", "--replicas=2");
        Assert.True(code == 0, output);
        var rs = await Wait.ForAsync($"the ReplicaSet of {name}", async () =>
        {
            var list = (await _api.ListAsync<V1ReplicaSet>(ns, new Client.Api.ListOptions { LabelSelector = $"app={name}" })).Require();
            return list.Items.FirstOrDefault(r => r.Status?.Replicas == 2);
        });
        return rs.Metadata.Name;
    }
}
