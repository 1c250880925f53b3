using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>The official KubernetesClient library against a real server, unchanged.</summary>
public sealed class ClientLibraryTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(f.Server.Kubeconfig));

    [Fact]
    public async Task Create_list_watch_patch_replace_and_delete()
    {
        using var client = Client();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "lib" } });

        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "one", Labels = new Dictionary<string, string> { ["app"] = "lib" } }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "lib");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("lib", labelSelector: "app=lib");
        Assert.Equal(["one"], list.Items.Select(i => i.Metadata.Name));

        // Watch from the list's revision: the next changes arrive in order.
        var events = new List<(WatchEventType Type, string Name, string Value)>();
        var gotAll = new TaskCompletionSource();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watchTask = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("lib", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                var value = item.Data is { } data && data.TryGetValue("k", out var v) ? v : "";
                lock (events) events.Add((type, item.Metadata.Name, value));
                if (events.Count == 3) { gotAll.TrySetResult(); return; }
            }
        }, cts.Token);
        await Task.Delay(300);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "two" }, Data = new Dictionary<string, string> { ["k"] = "2" } }, "lib");

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"k\":\"patched\"}}", V1Patch.PatchType.MergePatch), "one", "lib");
        Assert.Equal("patched", patched.Data["k"]);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("two", "lib");
        await Task.WhenAny(gotAll.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        await cts.CancelAsync();
        lock (events)
        {
            Assert.Equal([(WatchEventType.Added, "two", "2"), (WatchEventType.Modified, "one", "patched"), (WatchEventType.Deleted, "two", "2")], events);
        }

        // Replace with the stale resourceVersion of the first create: 409 Conflict.
        created.Data["k"] = "stale";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "one", "lib"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("the object has been modified", conflict.Response.Content);

        var current = await client.CoreV1.ReadNamespacedConfigMapAsync("one", "lib");
        current.Data["k"] = "replaced";
        var replaced = await client.CoreV1.ReplaceNamespacedConfigMapAsync(current, "one", "lib");
        Assert.Equal("replaced", replaced.Data["k"]);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("one", "lib");
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("one", "lib"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task Typed_deployment_round_trips_with_defaults()
    {
        using var client = Client();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "lib2" } });
        var labels = new Dictionary<string, string> { ["app"] = "d" };
        var d = await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "d" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "img:1" }] },
                },
            },
        }, "lib2");
        Assert.Equal(1, d.Spec.Replicas);
        Assert.Equal("RollingUpdate", d.Spec.Strategy.Type);
        Assert.Equal("Always", d.Spec.Template.Spec.RestartPolicy);
        var scale = await client.AppsV1.ReadNamespacedDeploymentScaleAsync("d", "lib2");
        Assert.Equal(1, scale.Spec.Replicas);
    }

    [Fact]
    public async Task Lists_page_through_limit_and_continue_and_show_every_acknowledged_write()
    {
        using var client = Client();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "pages" } });
        for (var i = 0; i < 7; i++)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = $"s{i}" } }, "pages");
            // A list right after the 201 (no resourceVersion: the newest state) holds it.
            var now = await client.CoreV1.ListNamespacedSecretAsync("pages");
            Assert.Contains($"s{i}", now.Items.Select(c => c.Metadata.Name));
        }

        var first = await client.CoreV1.ListNamespacedSecretAsync("pages", limit: 3);
        Assert.Equal(["s0", "s1", "s2"], first.Items.Select(c => c.Metadata.Name));
        Assert.Equal(4, first.Metadata.RemainingItemCount);
        Assert.False(string.IsNullOrEmpty(first.Metadata.ContinueProperty));

        // Written after the first page: later pages still show the list as of the first one.
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s9" } }, "pages");
        var second = await client.CoreV1.ListNamespacedSecretAsync("pages", limit: 3, continueParameter: first.Metadata.ContinueProperty);
        Assert.Equal(["s3", "s4", "s5"], second.Items.Select(c => c.Metadata.Name));
        Assert.Equal(first.Metadata.ResourceVersion, second.Metadata.ResourceVersion);
        var third = await client.CoreV1.ListNamespacedSecretAsync("pages", limit: 3, continueParameter: second.Metadata.ContinueProperty);
        Assert.Equal(["s6"], third.Items.Select(c => c.Metadata.Name));
        Assert.True(string.IsNullOrEmpty(third.Metadata.ContinueProperty));

        // A write of another resource moves the list's revision along although no configmap changed.
        var other = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "other" } }, "pages");
        var after = await client.CoreV1.ListNamespacedSecretAsync("pages", labelSelector: "", limit: 100);
        Assert.True(long.Parse(after.Metadata.ResourceVersion) >= long.Parse(other.Metadata.ResourceVersion));
        Assert.Equal(8, after.Items.Count);

        // Not older than a revision the store has not reached: upstream's 504 (after the cache's wait).
        var future = (long.Parse(after.Metadata.ResourceVersion) + 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tooLarge = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.ListNamespacedSecretAsync("pages", resourceVersion: future, resourceVersionMatch: "NotOlderThan"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, tooLarge.Response.StatusCode);
        Assert.Contains($"Too large resource version: {future}", tooLarge.Response.Content);
    }
}
