using System.Net;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>
/// Objects that server-side apply creates (helm v4 installs everything this way) go through the
/// same admission as a POST, and a server dry run creates nothing; a client-side applied object
/// moves to server-side apply without conflicts. Found by running helm against a cluster.
/// </summary>
public sealed class ServerSideApplyCreateTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata: {name: inner, namespace: ssacreate}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: outer, namespace: ssacreate}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{port: 80, targetPort: 8080}]
        """;

    [Fact]
    public async Task Server_side_apply_of_new_services_allocates_their_cluster_ips_and_node_ports()
    {
        await f.Ok("create", "namespace", "ssacreate");

        var applied = await f.OkWithInput(Services, "apply", "--server-side", "-f", "-");

        Assert.Contains("service/inner serverside-applied", applied);
        var serviceCidr = IPNetwork.Parse("10.43.0.0/16");
        foreach (var name in new[] { "inner", "outer" })
        {
            var ip = await f.Ok("get", "service", name, "-n", "ssacreate", "-o", "jsonpath={.spec.clusterIP}");
            Assert.True(IPAddress.TryParse(ip, out var address) && serviceCidr.Contains(address), $"service {name} has clusterIP '{ip}'");
        }
        var nodePort = int.Parse(await f.Ok("get", "service", "outer", "-n", "ssacreate", "-o", "jsonpath={.spec.ports[0].nodePort}"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(nodePort, 30000, 32767);
    }

    [Fact]
    public async Task Helm_install_gives_the_charts_service_a_cluster_ip()
    {
        var chart = Path.Combine(f.Kubectl.Home, "svc-chart");
        Directory.CreateDirectory(Path.Combine(chart, "templates"));
        await File.WriteAllTextAsync(Path.Combine(chart, "Chart.yaml"), "apiVersion: v2\nname: svc\nversion: 0.1.0\n");
        await File.WriteAllTextAsync(Path.Combine(chart, "templates", "service.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n");

        var install = await f.Kubectl.HelmAsync("install", "rel", chart, "--namespace", "helmsvc", "--create-namespace");

        Assert.True(install.ExitCode == 0, install.All);
        var ip = await f.Ok("get", "service", "rel-svc", "-n", "helmsvc", "-o", "jsonpath={.spec.clusterIP}");
        Assert.True(IPAddress.TryParse(ip, out _), $"clusterIP '{ip}'");
        var status = await f.Kubectl.HelmAsync("status", "rel", "--namespace", "helmsvc");
        Assert.Contains(ip, status.Stdout); // its RESOURCES table
    }

    [Fact]
    public async Task A_server_dry_run_of_a_new_object_creates_nothing()
    {
        await f.Ok("create", "namespace", "ssadry");
        const string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry, namespace: ssadry}\ndata: {a: \"1\"}\n";

        var dry = await f.OkWithInput(cm, "apply", "--server-side", "--dry-run=server", "-f", "-");
        var diff = await f.Kubectl.RunWithInputAsync(cm, "diff", "--server-side", "-f", "-");

        Assert.Contains("configmap/dry serverside-applied (server dry run)", dry);
        Assert.True(diff.ExitCode == 1, diff.All);
        Assert.Contains("+  a: \"1\"", diff.Stdout);
        var get = await f.Kubectl.RunAsync("get", "configmap", "dry", "-n", "ssadry");
        Assert.Contains("configmaps \"dry\" not found", get.Stderr);
    }

    [Fact]
    public async Task Server_side_apply_takes_over_from_client_side_apply_without_conflicts()
    {
        await f.Ok("create", "namespace", "upgrade");
        const string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: moved, namespace: upgrade}\ndata: {a: \"1\", b: \"2\"}\n";
        await f.OkWithInput(cm, "apply", "-f", "-");

        var moved = await f.OkWithInput(cm.Replace("a: \"1\"", "a: \"9\"", StringComparison.Ordinal), "apply", "--server-side", "-f", "-");

        Assert.Contains("configmap/moved serverside-applied", moved);
        Assert.Equal("9", await f.Ok("get", "configmap", "moved", "-n", "upgrade", "-o", "jsonpath={.data.a}"));
        // Any other manager still meets the conflict.
        var other = await f.Kubectl.RunWithInputAsync(cm.Replace("a: \"1\"", "a: \"5\"", StringComparison.Ordinal), "apply", "--server-side", "--field-manager=other", "-f", "-");
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("conflict with \"kubectl\"", other.Stderr);
    }

    [Fact]
    public async Task Debug_with_an_ephemeral_container_fails_cleanly_where_kubectl_panicked()
    {
        await f.Ok("create", "namespace", "debugns");
        await f.Ok("run", "target", "-n", "debugns", "--image=busybox");

        // No ephemeral containers here: a 404 on the subresource, whose (empty) details kubectl reads.
        var r = await f.Kubectl.RunAsync("debug", "target", "-n", "debugns", "--image=busybox", "--", "sh");

        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("panic", r.Stderr);
        Assert.Contains("ephemeral containers are disabled for this cluster", r.Stderr);
    }

    [Fact]
    public async Task Exec_into_a_container_the_pod_does_not_have_names_it()
    {
        await f.Ok("create", "namespace", "execns");
        await f.Ok("run", "solo", "-n", "execns", "--image=busybox");

        var r = await f.Kubectl.RunAsync("exec", "solo", "-n", "execns", "-c", "nope", "--", "ls");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("container nope is not valid for pod solo", r.Stderr);
    }
}
