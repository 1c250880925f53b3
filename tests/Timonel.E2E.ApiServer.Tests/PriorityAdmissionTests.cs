namespace Timonel.E2E.ApiServer.Tests;

/// <summary>Priority admission as kubectl users see it: classes resolve into spec.priority.</summary>
public sealed class PriorityAdmissionTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_system_classes_exist_and_a_named_class_sets_the_pod_priority()
    {
        var classes = ServerFixture.Rows(await f.Ok("get", "priorityclasses"));
        Assert.Equal("2000000000", classes.Single(r => r[0] == "system-cluster-critical")[1]);
        Assert.Equal("2000001000", classes.Single(r => r[0] == "system-node-critical")[1]);

        await f.Ok("create", "namespace", "pa1");
        await f.Ok("create", "priorityclass", "pa-high", "--value", "5000");
        var manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: pa1}
            spec:
              priorityClassName: pa-high
              containers: [{name: c, image: timonel.local/busybox:1}]
            """;
        var r = await f.Kubectl.RunWithInputAsync(manifest, "apply", "-f", "-");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("5000", await f.Ok("get", "pod", "p", "-n", "pa1", "-o", "jsonpath={.spec.priority}"));
        Assert.Equal("PreemptLowerPriority", await f.Ok("get", "pod", "p", "-n", "pa1", "-o", "jsonpath={.spec.preemptionPolicy}"));
    }

    [Fact]
    public async Task An_unknown_class_or_a_priority_of_its_own_is_forbidden()
    {
        await f.Ok("create", "namespace", "pa2");
        var unknown = """
            apiVersion: v1
            kind: Pod
            metadata: {name: u, namespace: pa2}
            spec:
              priorityClassName: no-such-class
              containers: [{name: c, image: timonel.local/busybox:1}]
            """;
        var r = await f.Kubectl.RunWithInputAsync(unknown, "apply", "-f", "-");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("pods \"u\" is forbidden: no PriorityClass with name no-such-class was found", r.Stderr);

        var own = """
            apiVersion: v1
            kind: Pod
            metadata: {name: o, namespace: pa2}
            spec:
              priority: 7
              containers: [{name: c, image: timonel.local/busybox:1}]
            """;
        r = await f.Kubectl.RunWithInputAsync(own, "apply", "-f", "-");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the integer value of priority (7) must not be provided in pod spec", r.Stderr);
        Assert.Contains("NotFound", (await f.Kubectl.RunAsync("get", "pod", "o", "-n", "pa2")).Stderr);
    }
}
