namespace Timonel.E2E.ApiServer.Tests;

/// <summary>describe (with events), explain and helm: the commands that read more than one object.</summary>
public sealed class KubectlDescribeAndHelmTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Describe_shows_the_events_of_the_object()
    {
        // The deployment controller in the server records ScalingReplicaSet on the deployment.
        await f.Ok("create", "namespace", "desc");
        await f.Ok("create", "deployment", "web", "-n", "desc", "--image=x");
        string described = "";
        for (var i = 0; i < 100 && !described.Contains("ScalingReplicaSet", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            described = await f.Ok("describe", "deployment", "web", "-n", "desc");
        }
        Assert.Matches(@"(?m)^Name:\s+web$", described);
        Assert.Contains("Events:", described);
        Assert.Matches(@"Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-[a-z0-9]+ from 0 to 1", described);

        var events = ServerFixture.Rows(await f.Ok("get", "events", "-n", "desc"));
        Assert.Equal(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], events[0]);
        Assert.Contains(events, e => e.Length == 5 && e[1] == "Normal" && e[2] == "ScalingReplicaSet" && e[3] == "deployment/web");
    }

    [Fact]
    public async Task Explain_prints_the_field_documentation()
    {
        var explained = await f.Ok("explain", "deployment.spec.strategy");
        Assert.Contains("GROUP:      apps", explained);
        Assert.Contains("KIND:       Deployment", explained);
        Assert.Contains("The deployment strategy to use to replace existing pods with new ones.", explained);
        Assert.Contains("rollingUpdate", explained);
        var rolling = await f.Ok("explain", "deployment.spec.strategy.rollingUpdate");
        Assert.Matches(@"maxSurge\s+<IntOrString>", rolling);
        Assert.Matches(@"limits\s+<map\[string\]Quantity>", await f.Ok("explain", "pod.spec.containers.resources"));
    }

    [Fact]
    public async Task Helm_install_of_a_created_chart_stores_its_release()
    {
        var chartDir = Path.Combine(f.Kubectl.Home, "charts");
        Directory.CreateDirectory(chartDir);
        var created = await f.Kubectl.HelmAsync("create", Path.Combine(chartDir, "demo"));
        Assert.True(created.ExitCode == 0, created.All);
        var install = await f.Kubectl.HelmAsync("install", "rel", Path.Combine(chartDir, "demo"), "--namespace", "helmns", "--create-namespace");
        Assert.True(install.ExitCode == 0, install.All);
        Assert.Contains("STATUS: deployed", install.Stdout);

        var list = await f.Kubectl.HelmAsync("list", "--namespace", "helmns");
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Contains("rel", list.Stdout);
        Assert.Contains("deployed", list.Stdout);
        Assert.Equal("rel-demo", await f.Ok("get", "deployment", "-n", "helmns", "-o", "jsonpath={.items[0].metadata.name}"));
        Assert.Equal("rel-demo", await f.Ok("get", "service", "rel-demo", "-n", "helmns", "-o", "jsonpath={.metadata.name}"));
        var releaseSecrets = await f.Ok("get", "secrets", "-n", "helmns", "-l", "owner=helm", "-o", "jsonpath={.items[*].metadata.name}");
        Assert.Equal("sh.helm.release.v1.rel.v1", releaseSecrets);

        var uninstall = await f.Kubectl.HelmAsync("uninstall", "rel", "--namespace", "helmns");
        Assert.True(uninstall.ExitCode == 0, uninstall.All);
        Assert.Equal("", await f.Ok("get", "deployments", "-n", "helmns", "-o", "jsonpath={.items[*].metadata.name}"));
    }
}
