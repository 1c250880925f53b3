namespace Timonel.E2E.ApiServer.Tests;

/// <summary>A namespace's LimitRange completing and bounding new pods' resources, through the real kubectl.</summary>
public sealed class LimitRangeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Pods_get_the_namespace_defaults_and_one_above_the_maximum_is_forbidden()
    {
        const string manifest = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: limited}
            ---
            apiVersion: v1
            kind: LimitRange
            metadata: {name: bounds, namespace: limited}
            spec:
              limits:
              - type: Container
                max: {cpu: "1"}
                default: {cpu: 500m, memory: 128Mi}
                defaultRequest: {cpu: 100m, memory: 64Mi}
            ---
            apiVersion: v1
            kind: LimitRange
            metadata: {name: claims, namespace: limited}
            spec:
              limits:
              - {type: PersistentVolumeClaim, max: {storage: 10Gi}}
            """;
        await f.OkWithInput(manifest, "apply", "-f", "-");
        // The stored LimitRange shows upstream's defaults.
        Assert.Contains("Container   cpu       -    1    100m             500m", await f.Ok("describe", "limitrange", "bounds", "-n", "limited"));

        await f.Ok("run", "plain", "-n", "limited", "--image=busybox");
        Assert.Equal("""{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m","memory":"64Mi"}}|Burstable""",
            await f.Ok("get", "pod", "plain", "-n", "limited", "-o", "jsonpath={.spec.containers[0].resources}|{.status.qosClass}"));
        Assert.Equal("LimitRanger plugin set: cpu, memory request for container plain; cpu, memory limit for container plain",
            await f.Ok("get", "pod", "plain", "-n", "limited", "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}"));

        var big = await f.Kubectl.RunAsync("run", "big", "-n", "limited", "--image=busybox", "--overrides",
            """{"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}""");
        Assert.NotEqual(0, big.ExitCode);
        Assert.Contains("Error from server (Forbidden): pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2", big.Stderr);
        Assert.NotEqual(0, (await f.Kubectl.RunAsync("get", "pod", "big", "-n", "limited")).ExitCode);

        const string claim = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: huge, namespace: limited}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}
            """;
        var refused = await f.Kubectl.RunWithInputAsync(claim, "apply", "-f", "-");
        Assert.Contains("persistentvolumeclaims \"huge\" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi", refused.Stderr);
    }
}
