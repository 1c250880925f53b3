using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class ApiConnectionTests(ServerFixture f)
{
    [Fact]
    public async Task ConnectsWithUrlCaAndTokenAndReportsExpectedFailuresAsValues()
    {
        var caPem = await File.ReadAllTextAsync(Path.Combine(f.Server.DataDir, "server", "tls", "ca.crt"));
        var token = (await File.ReadAllTextAsync(Path.Combine(f.Server.DataDir, "server", "admin.token"))).Trim();
        using var api = new ApiConnection(new Uri(f.Server.Url), caPem, token);
        var ns = await f.NewNamespaceAsync("conn");

        var created = (await api.CreateAsync(Wait.ConfigMap(ns, "one", "1"))).Require();
        var again = await api.CreateAsync(Wait.ConfigMap(ns, "one", "1"));
        Assert.True(again.IsAlreadyExists, again.ToString());

        var stale = InformerTests.Clone(created);
        (await api.PatchAsync<V1ConfigMap>(ns, "one", PatchType.Merge, """{"data":{"v":"2"}}""")).Require();
        stale.Data["v"] = "3";
        var conflict = await api.UpdateAsync(stale);
        Assert.True(conflict.IsConflict, conflict.ToString());

        var missing = await api.GetAsync<V1ConfigMap>(ns, "nope");
        Assert.True(missing.IsNotFound);
        Assert.Equal("NotFound", missing.Error?.Reason);

        var page = (await api.ListAsync<V1ConfigMap>(ns, new ListOptions { LabelSelector = "none=here" })).Require();
        Assert.Empty(page.Items);
        Assert.False(string.IsNullOrEmpty(page.Metadata?.ResourceVersion));
    }

    [Fact]
    public async Task WatchFromTheListRevisionDeliversLaterChanges()
    {
        var ns = await f.NewNamespaceAsync("watch");
        var list = (await f.Api.ListAsync<V1ConfigMap>(ns)).Require();
        using var cts = new CancellationTokenSource(Wait.Long);
        var watch = f.Api.WatchAsync<V1ConfigMap>(ns, new ListOptions { ResourceVersion = list.Metadata!.ResourceVersion, AllowWatchBookmarks = true }, cts.Token)
            .GetAsyncEnumerator(cts.Token);
        (await f.Api.CreateAsync(Wait.ConfigMap(ns, "w", "1"))).Require();
        (await f.Api.DeleteAsync<V1ConfigMap>(ns, "w")).EnsureOk();

        var seen = new List<string>();
        while (seen.Count < 2 && await watch.MoveNextAsync())
        {
            // Only this test's map: the namespace also gets the controllers' kube-root-ca.crt.
            if (watch.Current.Type != WatchEventType.Bookmark && watch.Current.Object?.Metadata.Name == "w")
            {
                seen.Add($"{watch.Current.Type} {watch.Current.Object?.Metadata.Name}");
            }
        }
        await watch.DisposeAsync();
        Assert.Equal(["Added w", "Deleted w"], seen);
    }
}
