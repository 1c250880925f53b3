using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s.Models;
using Timonel.Api.Scheme;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Client.Tests;

/// <summary>
/// Metadata-only reads (Accept ...;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1) against a real
/// server, and the informer factory's metadata observers built on them.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MetadataInformerTests(ServerFixture f)
{
    private static readonly ResourceInfo ConfigMaps = ResourceTable.For<V1ConfigMap>();

    private const string ListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    private const string ObjectAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    [Theory]
    [InlineData("")]                       // from the store, stored bytes
    [InlineData("?resourceVersion=0")]     // from the watch cache
    [InlineData("?labelSelector=app%3Dweb")] // parsed and filtered
    public async Task A_metadata_list_carries_each_objects_metadata_and_nothing_else(string query)
    {
        var ns = await f.NewNamespaceAsync("meta-list");
        var created = (await f.Api.CreateAsync(await OwnedAsync(ns, "c1"))).Require();
        using var http = RawClient();
        var list = await GetJsonAsync(http, $"/api/v1/namespaces/{ns}/configmaps{query}", ListAccept);

        Assert.Equal("PartialObjectMetadataList", list["kind"]!.GetValue<string>());
        Assert.Equal("meta.k8s.io/v1", list["apiVersion"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(list["metadata"]!["resourceVersion"]!.GetValue<string>()));
        // Namespaces also hold kube-root-ca.crt (the root CA publisher's).
        var item = Assert.Single(list["items"]!.AsArray(), i => i!["metadata"]!["name"]!.GetValue<string>() == "c1")!.AsObject();
        Assert.Equal("PartialObjectMetadata", item["kind"]!.GetValue<string>());
        Assert.Equal(["apiVersion", "kind", "metadata"], item.Select(p => p.Key).Order());
        var meta = item["metadata"]!;
        Assert.Equal("c1", meta["name"]!.GetValue<string>());
        Assert.Equal(created.Metadata.ResourceVersion, meta["resourceVersion"]!.GetValue<string>());
        Assert.Equal(created.Metadata.OwnerReferences.Single().Uid, meta["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        Assert.Equal("web", meta["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_metadata_get_and_watch_carry_only_metadata()
    {
        var ns = await f.NewNamespaceAsync("meta-watch");
        (await f.Api.CreateAsync(await OwnedAsync(ns, "c1"))).Require();
        using var http = RawClient();
        var one = await GetJsonAsync(http, $"/api/v1/namespaces/{ns}/configmaps/c1", ObjectAccept);
        Assert.Equal("PartialObjectMetadata", one["kind"]!.GetValue<string>());
        Assert.Null(one["data"]);

        using var stop = new CancellationTokenSource(Wait.Long);
        var seen = new List<(WatchEventType, PartialObjectMetadata?)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in f.Api.WatchMetadataAsync(ConfigMaps, ns, new ListOptions { ResourceVersion = "0" }, stop.Token))
            {
                if (e.Object?.Metadata.Name != "c1") continue;
                seen.Add((e.Type, e.Object));
                if (e.Type == WatchEventType.Deleted) return;
            }
        });
        await Wait.UntilAsync(() => seen.Count >= 1, "the initial ADDED of c1");
        (await f.Api.DeleteAsync<V1ConfigMap>(ns, "c1")).EnsureOk();
        await watching.WaitAsync(Wait.Long);

        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted], seen.Select(s => s.Item1));
        Assert.All(seen, s => Assert.Equal("c1", s.Item2!.Metadata.Name));
        Assert.All(seen, s => Assert.Equal("PartialObjectMetadata", s.Item2!.Kind));
        Assert.Equal("owner", seen[1].Item2!.Metadata.OwnerReferences.Single().Name);
    }

    [Theory]
    [InlineData(false)] // nobody else watches ConfigMaps: a metadata-only informer
    [InlineData(true)]  // a typed informer exists: the observer rides on it
    public async Task A_metadata_observer_sees_adds_updates_and_deletes(bool typedInformerToo)
    {
        var ns = await f.NewNamespaceAsync("meta-observe");
        (await f.Api.CreateAsync(await OwnedAsync(ns, "before"))).Require();
        await using var factory = new SharedInformerFactory(f.Api, TimeProvider.System, options: new() { Namespace = ns });
        if (typedInformerToo) factory.GetInformer<V1ConfigMap>();
        var events = Channel.CreateUnbounded<string>();
        const string RootCa = "kube-root-ca.crt"; // the root CA publisher's, in every namespace
        var synced = factory.ObserveMetadata<V1ConfigMap>(ConfigMaps, new ResourceEventHandler<V1ObjectMeta>
        {
            Added = m => _ = m.Name == RootCa || events.Writer.TryWrite($"add {m.Name} {m.Labels?["app"]}")
                // Neither informer keeps managedFields (the server did store some: see the test below).
                && (m.ManagedFields is not { Count: > 0 } || events.Writer.TryWrite("managedFields unexpected")),
            Updated = (o, n) => _ = n.Name == RootCa || events.Writer.TryWrite($"update {n.Name} {o.Labels?["app"]}->{n.Labels?["app"]}"),
            Deleted = (m, _) => _ = m.Name == RootCa || events.Writer.TryWrite($"delete {m.Name}"),
        });
        factory.Start();
        await synced(CancellationToken.None).WaitAsync(Wait.Long);

        var created = (await f.Api.CreateAsync(await OwnedAsync(ns, "c1"))).Require();
        created.Metadata.Labels["app"] = "db";
        (await f.Api.UpdateAsync(created)).Require();
        (await f.Api.DeleteAsync<V1ConfigMap>(ns, "c1")).EnsureOk();

        foreach (var expected in new[] { "add before web", "add c1 web", "update c1 web->db", "delete c1" })
        {
            Assert.Equal(expected, await events.Reader.ReadAsync().AsTask().WaitAsync(Wait.Long));
        }
    }

    /// <summary>A ConfigMap with a label and an owner (a Secret made for it, so the garbage collector leaves it be).</summary>
    private async Task<V1ConfigMap> OwnedAsync(string ns, string name)
    {
        var owner = await f.Api.GetAsync<V1Secret>(ns, "owner");
        var secret = owner.IsNotFound
            ? (await f.Api.CreateAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "owner", NamespaceProperty = ns } })).Require()
            : owner.Require();
        var map = Wait.ConfigMap(ns, name, new string('x', 2000), new Dictionary<string, string> { ["app"] = "web" });
        map.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Secret", Name = "owner", Uid = secret.Metadata.Uid }];
        return map;
    }

    private HttpClient RawClient()
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(f.Server.DataDir, "server", "tls", "ca.crt"));
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return cert is not null && chain.Build(cert);
            },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(f.Server.Url) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(f.Server.DataDir, "server", "admin.token")).Trim());
        return http;
    }

    private static async Task<JsonObject> GetJsonAsync(HttpClient http, string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }
}
