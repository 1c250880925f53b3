using System.Text.Json.Nodes;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>The everyday kubectl commands against a real server, checked by their output.</summary>
public sealed class KubectlBasicsTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Readyz_answers_through_kubectl_get_raw()
    {
        Assert.Equal("ok", (await f.Ok("get", "--raw", "/readyz")).Trim());
        var verbose = (await f.Ok("get", "--raw", "/readyz?verbose")).Trim().Split('\n');
        Assert.Contains("[+]etcd ok", verbose);
        Assert.Equal("readyz check passed", verbose[^1]);
        Assert.Equal("livez check passed", (await f.Ok("get", "--raw", "/livez?verbose&exclude=etcd")).Trim().Split('\n')[^1]);
        Assert.Equal("ok", (await f.Ok("get", "--raw", "/readyz/ping")).Trim());
    }

    [Fact]
    public async Task System_namespaces_exist_and_create_namespace_adds_one()
    {
        Assert.Equal("namespace/nb1 created", (await f.Ok("create", "namespace", "nb1")).Trim());
        var rows = ServerFixture.Rows(await f.Ok("get", "namespaces"));
        Assert.Equal(["NAME", "STATUS", "AGE"], rows[0]);
        var names = rows.Skip(1).Select(r => r[0]).ToList();
        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
        Assert.Contains("kube-public", names);
        Assert.Contains("kube-node-lease", names);
        Assert.Contains("nb1", names);
        Assert.Equal("Active", rows.Single(r => r[0] == "nb1")[1]);
    }

    [Fact]
    public async Task Create_configmap_from_literal_then_get_shows_its_data_count()
    {
        await f.Ok("create", "namespace", "nb2");
        Assert.Equal("configmap/cm1 created", (await f.Ok("create", "configmap", "cm1", "-n", "nb2", "--from-literal=a=1", "--from-literal=b=2")).Trim());
        var rows = ServerFixture.Rows(await f.Ok("get", "configmaps", "-n", "nb2"));
        Assert.Equal(["NAME", "DATA", "AGE"], rows[0]);
        Assert.Equal(["cm1", "2"], rows[1][..2]);
        var json = await f.Ok("get", "configmap", "cm1", "-n", "nb2", "-o", "jsonpath={.data.a},{.data.b}");
        Assert.Equal("1,2", json);
    }

    [Fact]
    public async Task Create_deployment_with_replicas_shows_upstream_columns()
    {
        await f.Ok("create", "namespace", "nb3");
        Assert.Equal("deployment.apps/web created", (await f.Ok("create", "deployment", "web", "-n", "nb3", "--image=x", "--replicas=2")).Trim());
        // The deployment controller creates the ReplicaSet and its 2 pods; no node runs them here,
        // so they are up to date but not ready.
        var rows = ServerFixture.Rows(await f.Ok("get", "deployments", "-n", "nb3"));
        for (var i = 0; i < 100 && rows[1][2] != "2"; i++)
        {
            await Task.Delay(100);
            rows = ServerFixture.Rows(await f.Ok("get", "deployments", "-n", "nb3"));
        }
        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], rows[0]);
        Assert.Equal(["web", "0/2", "2", "0"], rows[1][..4]);
        var wide = ServerFixture.Rows(await f.Ok("get", "deployments", "-n", "nb3", "-o", "wide"));
        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], wide[0]);
        Assert.Equal(["x", "x", "app=web"], wide[1][5..]);
        var defaults = await f.Ok("get", "deployment", "web", "-n", "nb3", "-o", "jsonpath={.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds}");
        Assert.Equal("RollingUpdate 25% 10 600", defaults);
    }

    [Fact]
    public async Task Get_all_namespaces_shows_the_namespace_column()
    {
        await f.Ok("create", "namespace", "nb4");
        await f.Ok("create", "configmap", "only-here", "-n", "nb4", "--from-literal=k=v");
        var rows = ServerFixture.Rows(await f.Ok("get", "configmaps", "-A"));
        Assert.Equal(["NAMESPACE", "NAME", "DATA", "AGE"], rows[0]);
        Assert.Contains(rows, r => r[0] == "nb4" && r[1] == "only-here");
    }

    [Fact]
    public async Task Label_and_annotate_change_the_object()
    {
        await f.Ok("create", "namespace", "nb5");
        await f.Ok("create", "configmap", "c", "-n", "nb5", "--from-literal=k=v");
        Assert.Equal("configmap/c labeled", (await f.Ok("label", "configmap", "c", "-n", "nb5", "tier=web")).Trim());
        Assert.Equal("configmap/c annotated", (await f.Ok("annotate", "configmap", "c", "-n", "nb5", "note=hello")).Trim());
        Assert.Equal("web hello", await f.Ok("get", "configmap", "c", "-n", "nb5", "-o", "jsonpath={.metadata.labels.tier} {.metadata.annotations.note}"));
        var selected = ServerFixture.Rows(await f.Ok("get", "configmaps", "-n", "nb5", "-l", "tier=web", "--show-labels"));
        Assert.Equal("tier=web", selected[1][^1]);
    }

    [Fact]
    public async Task Scale_changes_replicas_through_the_scale_subresource()
    {
        await f.Ok("create", "namespace", "nb6");
        await f.Ok("create", "deployment", "d", "-n", "nb6", "--image=x");
        Assert.Equal("deployment.apps/d scaled", (await f.Ok("scale", "deployment", "d", "-n", "nb6", "--replicas=5")).Trim());
        Assert.Equal("5", await f.Ok("get", "deployment", "d", "-n", "nb6", "-o", "jsonpath={.spec.replicas}"));
    }

    [Fact]
    public async Task Autoscale_stores_the_horizontal_pod_autoscaler_kubectl_builds()
    {
        await f.Ok("create", "namespace", "nb-hpa");
        await f.Ok("create", "deployment", "web", "-n", "nb-hpa", "--image=x");
        string[][] commands =
        [
            ["autoscale", "deployment", "web", "-n", "nb-hpa", "--min=2", "--max=5", "--cpu=80%"],
            ["autoscale", "deployment", "web", "-n", "nb-hpa", "--name=by-quantity", "--max=3", "--memory=256Mi"],
        ];
        foreach (var command in commands)
        {
            // kubectl sends the object as protobuf; what the server stores must be what kubectl built.
            var built = JsonNode.Parse(await f.Ok([.. command, "--dry-run=client", "-o", "json"]))!;
            Assert.EndsWith(" autoscaled", (await f.Ok(command)).Trim());
            var name = built["metadata"]!["name"]!.GetValue<string>();
            var stored = JsonNode.Parse(await f.Ok("get", "hpa", name, "-n", "nb-hpa", "-o", "json"))!;
            Assert.True(JsonNode.DeepEquals(built["spec"], stored["spec"]), $"stored {stored["spec"]}, kubectl built {built["spec"]}");
        }
        var rows = ServerFixture.Rows(await f.Ok("get", "hpa", "-n", "nb-hpa"));
        Assert.Equal(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], rows[0]);
        Assert.Equal(["web", "Deployment/web", "cpu: <unknown>/80%", "2", "5"], rows.Single(r => r[0] == "web")[..5]);
    }

    [Fact]
    public async Task Debug_copy_to_creates_the_copy_with_the_debug_container()
    {
        await f.Ok("create", "namespace", "nb-debug");
        await f.Ok("run", "app", "-n", "nb-debug", "--image=x", "--labels=app=demo");
        // kubectl debug sends the new pod as protobuf.
        await f.Ok("debug", "app", "-n", "nb-debug", "--copy-to=app-debug", "--image=busybox", "--container=dbg", "--", "sleep", "1");
        var copy = JsonNode.Parse(await f.Ok("get", "pod", "app-debug", "-n", "nb-debug", "-o", "json"))!;
        var containers = copy["spec"]!["containers"]!.AsArray();
        Assert.Equal(["app", "dbg"], containers.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("busybox", containers[1]!["image"]!.GetValue<string>());
        Assert.Equal(["sleep", "1"], containers[1]!["command"]!.AsArray().Select(a => a!.GetValue<string>()));
        // kubectl leaves the labels out of the copy (no --keep-labels), so no Service sends it traffic.
        Assert.Null(copy["metadata"]!["labels"]);
    }

    [Fact]
    public async Task Patch_merge_and_json_change_fields()
    {
        await f.Ok("create", "namespace", "nb7");
        await f.Ok("create", "deployment", "d", "-n", "nb7", "--image=x");
        Assert.Equal("deployment.apps/d patched", (await f.Ok("patch", "deployment", "d", "-n", "nb7", "--type=merge", "-p", "{\"spec\":{\"replicas\":3}}")).Trim());
        Assert.Equal("deployment.apps/d patched", (await f.Ok("patch", "deployment", "d", "-n", "nb7", "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"y\"}]")).Trim());
        Assert.Equal("3 y", await f.Ok("get", "deployment", "d", "-n", "nb7", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"));
        Assert.Equal("3", await f.Ok("get", "deployment", "d", "-n", "nb7", "-o", "jsonpath={.metadata.generation}"));
    }

    [Fact]
    public async Task Invalid_object_gets_the_upstream_422_text()
    {
        await f.Ok("create", "namespace", "nb8");
        var manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: bad, namespace: nb8}
            spec:
              selector: {matchLabels: {app: bad}}
              template:
                metadata: {labels: {app: bad}}
                spec:
                  containers: [{name: c}]
            """;
        var r = await f.Kubectl.RunWithInputAsync(manifest, "apply", "-f", "-");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("The Deployment \"bad\" is invalid: spec.template.spec.containers[0].image: Required value", r.Stderr);
    }

    [Fact]
    public async Task Stale_update_is_a_conflict()
    {
        await f.Ok("create", "namespace", "nb9");
        await f.Ok("create", "configmap", "c", "-n", "nb9", "--from-literal=k=v");
        var stale = await f.Ok("get", "configmap", "c", "-n", "nb9", "-o", "yaml");
        await f.Ok("label", "configmap", "c", "-n", "nb9", "moved=on");
        var r = await f.Kubectl.RunWithInputAsync(stale, "replace", "-f", "-");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again", r.Stderr);
    }

    [Fact]
    public async Task Get_watch_prints_a_later_change()
    {
        await f.Ok("create", "namespace", "nb10");
        await f.Ok("create", "configmap", "first", "-n", "nb10", "--from-literal=k=v");
        using var watch = f.Kubectl.Start("get", "configmaps", "-n", "nb10", "-w");
        var lines = new List<string>();
        var sawSecond = new TaskCompletionSource();
        watch.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.StartsWith("second", StringComparison.Ordinal)) sawSecond.TrySetResult();
        };
        watch.BeginOutputReadLine();
        await WaitForAsync(() => { lock (lines) return lines.Any(l => l.StartsWith("first", StringComparison.Ordinal)); });
        await f.Ok("create", "configmap", "second", "-n", "nb10", "--from-literal=k=v");
        var done = await Task.WhenAny(sawSecond.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        watch.Kill();
        Assert.True(done == sawSecond.Task, "kubectl get -w did not print the new configmap; saw:\n" + string.Join('\n', lines));
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        await f.Ok("create", "namespace", "nb11");
        await f.Ok("create", "configmap", "gone", "-n", "nb11", "--from-literal=k=v");
        Assert.Contains("configmap \"gone\" deleted", await f.Ok("delete", "configmap", "gone", "-n", "nb11"));
        var r = await f.Kubectl.RunAsync("get", "configmap", "gone", "-n", "nb11");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Error from server (NotFound): configmaps \"gone\" not found", r.Stderr);
    }

    [Fact]
    public async Task Auth_can_i_and_whoami_answer_for_the_admin()
    {
        Assert.Equal("yes", (await f.Ok("auth", "can-i", "create", "deployments")).Trim());
        var whoami = await f.Ok("auth", "whoami");
        Assert.Matches(@"Username\s+system:admin", whoami);
        Assert.Contains("system:masters", whoami);
    }

    [Fact]
    public async Task The_kubernetes_service_points_at_the_api_server()
    {
        Assert.Equal("10.43.0.1 443", await f.Ok("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].port}"));
        Assert.Equal($"127.0.0.1:{f.Server.Port}", await f.Ok("get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}"));
        Assert.Contains("Kubernetes control plane is running at https://127.0.0.1:", await f.Ok("cluster-info"));
    }

    [Fact]
    public async Task System_namespaces_may_not_be_deleted()
    {
        var r = await f.Kubectl.RunAsync("delete", "namespace", "kube-system");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("namespaces \"kube-system\" is forbidden: this namespace may not be deleted", r.Stderr);
    }

    internal static async Task WaitForAsync(Func<bool> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
