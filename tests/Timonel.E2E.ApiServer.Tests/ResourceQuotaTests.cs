namespace Timonel.E2E.ApiServer.Tests;

/// <summary>A namespace's ResourceQuota: its usage shown and kept, creates beyond it refused, deletes giving room back.</summary>
public sealed class ResourceQuotaTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_quota_counts_usage_refuses_what_exceeds_it_and_gets_room_back_on_delete()
    {
        const string manifest = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: quoted}
            ---
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: small, namespace: quoted}
            spec:
              hard: {pods: "2", requests.cpu: "1", configmaps: "3"}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: quoted}
            spec:
              containers: [{name: a, image: busybox, resources: {requests: {cpu: 400m}}}]
            """;
        // The pod comes right after its quota, before the controller can have published the
        // quota's status: its create waits for that instead of being refused.
        await f.OkWithInput(manifest, "apply", "-f", "-");

        await f.Ok("run", "b", "-n", "quoted", "--image=busybox", "--overrides", Cpu("b", "400m"));
        var third = await f.Kubectl.RunAsync("run", "c", "-n", "quoted", "--image=busybox", "--overrides", Cpu("c", "100m"));
        Assert.NotEqual(0, third.ExitCode);
        Assert.Contains("Error from server (Forbidden): pods \"c\" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2", third.Stderr);
        var unset = await f.Kubectl.RunAsync("run", "d", "-n", "quoted", "--image=busybox");
        Assert.Contains("pods \"d\" is forbidden: failed quota: small: must specify requests.cpu", unset.Stderr);

        // kubectl shows the usage as upstream's columns do.
        var table = await f.Ok("get", "quota", "small", "-n", "quoted");
        Assert.Contains("configmaps: 1/3, pods: 2/2, requests.cpu: 800m/1", table);

        // A delete gives the room back (the controller recomputes the usage).
        await f.Ok("delete", "pod", "a", "-n", "quoted", "--wait=false");
        await PollAsync("get", "quota", "small", "-n", "quoted", "-o", "jsonpath={.status.used.pods}", expected: "1");
        await f.Ok("run", "c", "-n", "quoted", "--image=busybox", "--overrides", Cpu("c", "100m"));
        Assert.Equal("500m", await f.Ok("get", "quota", "small", "-n", "quoted", "-o", "jsonpath={.status.used.requests\\.cpu}"));
    }

    private static string Cpu(string name, string cpu) =>
        "{\"spec\":{\"containers\":[{\"name\":\"" + name + "\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu + "\"}}}]}}";

    private async Task PollAsync(string a, string b, string c, string d, string e, string g, string h, string expected)
    {
        var last = "";
        for (var i = 0; i < 300; i++)
        {
            var run = await f.Kubectl.RunAsync(a, b, c, d, e, g, h);
            last = run.Stdout + run.Stderr;
            if (run.ExitCode == 0 && run.Stdout.Trim() == expected) return;
            await Task.Delay(100);
        }
        Assert.Fail($"never {expected}: {last}");
    }
}
