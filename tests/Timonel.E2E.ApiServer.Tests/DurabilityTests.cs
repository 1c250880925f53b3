using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>kill -9 of the server during concurrent creates loses no create that was answered 201.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Every_acknowledged_create_survives_kill_9()
    {
        await using var server = await ServerProcess.StartNewAsync();
        var acknowledged = new ConcurrentBag<string>();
        using (var client = server.AdminClient())
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 64).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var name = $"w{w}-{i}";
                    var body = $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{name}\"}},\"data\":{{\"v\":\"{new string('x', 1024)}\"}}}}";
                    try
                    {
                        using var response = await client.PostAsync("/api/v1/namespaces/default/configmaps", new StringContent(body, Encoding.UTF8, "application/json"));
                        if (response.StatusCode == HttpStatusCode.Created) acknowledged.Add(name);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the server died under us
                    }
                }
            })).ToList();
            // Kill once the writes are well under way (a count, not a time: a loaded machine is slow),
            // with creates still in flight on all 64 connections.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 200 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
        Assert.True(acknowledged.Count > 64, $"too few creates were acknowledged before the kill ({acknowledged.Count})");

        await server.StartAsync();
        using var after = server.AdminClient();
        var list = await after.GetStringAsync("/api/v1/namespaces/default/configmaps");
        using var doc = System.Text.Json.JsonDocument.Parse(list);
        var present = doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()).ToHashSet();
        var lost = acknowledged.Where(n => !present.Contains(n)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged creates lost, e.g. {string.Join(", ", lost.Take(5))}");
    }
}
