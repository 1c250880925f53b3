using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>Watches as clients use them: many at once, WatchList, timeouts.</summary>
public sealed class WatchTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Kubectl_wait_uses_watch_list_and_returns_when_the_condition_holds()
    {
        await f.Ok("create", "namespace", "wl");
        await f.Ok("create", "configmap", "flag", "-n", "wl", "--from-literal=state=pending");
        var wait = Task.Run(() => f.Kubectl.RunAsync("wait", "configmap/flag", "-n", "wl", "--for=jsonpath={.data.state}=done", "--timeout=60s"));
        await Task.Delay(500);
        await f.Ok("patch", "configmap", "flag", "-n", "wl", "--type=merge", "-p", "{\"data\":{\"state\":\"done\"}}");
        var r = await wait;
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("configmap/flag condition met", r.Stdout.Trim());
    }

    [Fact]
    public async Task Many_watchers_see_the_same_ordered_events()
    {
        await f.Ok("create", "namespace", "many");
        using var client = f.Server.AdminClient();
        var list = JsonDocument.Parse(await client.GetStringAsync("/api/v1/namespaces/many/configmaps"));
        var rv = list.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        const int watchers = 100, writes = 50;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var streams = await Task.WhenAll(Enumerable.Range(0, watchers).Select(async _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/many/configmaps?watch=true&resourceVersion={rv}");
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            return new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        }));
        for (var i = 0; i < writes; i++)
        {
            using var created = await client.PostAsync("/api/v1/namespaces/many/configmaps",
                new StringContent($"{{\"metadata\":{{\"name\":\"c{i:D3}\"}}}}", Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }
        var seen = await Task.WhenAll(streams.Select(async reader =>
        {
            var names = new List<string>();
            while (names.Count < writes)
            {
                var line = await reader.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("watch ended early");
                using var ev = JsonDocument.Parse(line);
                Assert.Equal("ADDED", ev.RootElement.GetProperty("type").GetString());
                var name = ev.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString()!;
                // The namespace's kube-root-ca.crt may be published after the list: not a write of this test.
                if (name != "kube-root-ca.crt")
                {
                    names.Add(name);
                }
            }
            reader.Dispose();
            return names;
        }));
        var expected = Enumerable.Range(0, writes).Select(i => $"c{i:D3}").ToList();
        Assert.All(seen, names => Assert.Equal(expected, names));
    }

    [Fact]
    public async Task A_watch_from_before_the_cache_window_gets_history_then_live_events_each_once_in_order()
    {
        await f.Ok("create", "namespace", "oldrv");
        using var client = f.Server.AdminClient();
        async Task CreateAsync(string name)
        {
            using var created = await client.PostAsync("/api/v1/namespaces/oldrv/configmaps",
                new StringContent($"{{\"metadata\":{{\"name\":\"{name}\"}}}}", Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }
        await CreateAsync("a0");
        await CreateAsync("a1");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Revision 1 is older than anything the watch cache holds: the start comes from the store's history.
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get,
            "/api/v1/namespaces/oldrv/configmaps?watch=true&resourceVersion=1&allowWatchBookmarks=true"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        await CreateAsync("b0");
        await CreateAsync("b1");
        var names = new List<string>();
        while (names.Count < 4)
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("watch ended early");
            using var ev = JsonDocument.Parse(line);
            if (ev.RootElement.GetProperty("type").GetString() == "BOOKMARK") continue;
            var name = ev.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString()!;
            if (name != "kube-root-ca.crt") names.Add(name);
        }
        Assert.Equal(["a0", "a1", "b0", "b1"], names);
    }

    [Fact]
    public async Task Watch_ends_cleanly_at_timeout_seconds()
    {
        using var client = f.Server.AdminClient();
        var started = DateTime.UtcNow;
        using var response = await client.GetAsync("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=0");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the watch did not end at its timeout");
    }

    [Fact]
    public async Task Send_initial_events_ends_with_the_annotated_bookmark()
    {
        await f.Ok("create", "namespace", "init");
        await f.Ok("create", "configmap", "a", "-n", "init");
        using var client = f.Server.AdminClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await client.GetAsync("/api/v1/namespaces/init/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=2");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The initial events (configmap a, and the namespace's kube-root-ca.crt), then the bookmark.
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var initial = events.TakeWhile(e => e.GetProperty("type").GetString() == "ADDED").ToList();
        Assert.Contains(initial, e => e.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString() == "a");
        var bookmark = events[initial.Count];
        Assert.Equal("BOOKMARK", bookmark.GetProperty("type").GetString());
        Assert.Equal("true", bookmark.GetProperty("object").GetProperty("metadata").GetProperty("annotations").GetProperty("k8s.io/initial-events-end").GetString());
    }
}
