namespace Timonel.E2E.ApiServer.Tests;

/// <summary>
/// Service updates as kubectl and helm users make them: a type change allocates or gives back node
/// ports and addresses, a replace that leaves out what the server allocated keeps it.
/// </summary>
public sealed class ServiceUpdateTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private const string Ports = "jsonpath={range .spec.ports[*]}{.name}:{.nodePort} {end}";

    [Fact]
    public async Task A_type_change_to_NodePort_allocates_and_back_to_ClusterIP_frees_the_port()
    {
        await f.Ok("create", "namespace", "su1");
        await f.Ok("create", "service", "clusterip", "web", "-n", "su1", "--tcp=80:80");
        var ip = await f.Ok("get", "service", "web", "-n", "su1", "-o", "jsonpath={.spec.clusterIP}");

        await f.Ok("patch", "service", "web", "-n", "su1", "-p", """{"spec":{"type":"NodePort"}}""");
        var nodePort = int.Parse(await f.Ok("get", "service", "web", "-n", "su1", "-o", "jsonpath={.spec.ports[0].nodePort}"));
        Assert.InRange(nodePort, 30000, 32767);
        Assert.Equal($"{ip} Cluster", await f.Ok("get", "service", "web", "-n", "su1", "-o", "jsonpath={.spec.clusterIP} {.spec.externalTrafficPolicy}"));

        // What a three-way merge sends back: the live node port and traffic policy, the new type.
        await f.Ok("patch", "service", "web", "-n", "su1", "-p", """{"spec":{"type":"ClusterIP"}}""");
        Assert.Equal($"ClusterIP {ip} [] []", await f.Ok("get", "service", "web", "-n", "su1", "-o",
            "jsonpath={.spec.type} {.spec.clusterIP} [{.spec.ports[0].nodePort}] [{.spec.externalTrafficPolicy}]"));

        await f.Ok("create", "service", "nodeport", "other", "-n", "su1", "--tcp=80:80", $"--node-port={nodePort}");
        Assert.Equal(nodePort.ToString(), await f.Ok("get", "service", "other", "-n", "su1", "-o", "jsonpath={.spec.ports[0].nodePort}"));
    }

    [Fact]
    public async Task Server_side_apply_of_a_changed_type_drops_what_only_the_old_type_needed()
    {
        await f.Ok("create", "namespace", "su2");
        const string nodePortManifest = """
            apiVersion: v1
            kind: Service
            metadata: {name: app, namespace: su2}
            spec:
              type: NodePort
              selector: {app: app}
              ports: [{name: http, port: 80}]
            """;
        await f.OkWithInput(nodePortManifest, "apply", "--server-side", "--field-manager=helm", "-f", "-");
        var nodePort = await f.Ok("get", "service", "app", "-n", "su2", "-o", "jsonpath={.spec.ports[0].nodePort}");
        Assert.NotEmpty(nodePort);

        var clusterIpManifest = nodePortManifest.Replace("type: NodePort", "type: ClusterIP");
        await f.OkWithInput(clusterIpManifest, "apply", "--server-side", "--field-manager=helm", "-f", "-");
        Assert.Equal("ClusterIP [] []", await f.Ok("get", "service", "app", "-n", "su2", "-o",
            "jsonpath={.spec.type} [{.spec.ports[0].nodePort}] [{.spec.externalTrafficPolicy}]"));
        await f.Ok("create", "service", "nodeport", "taker", "-n", "su2", "--tcp=80:80", $"--node-port={nodePort}");
    }

    [Fact]
    public async Task A_replace_without_the_allocated_values_keeps_them()
    {
        await f.Ok("create", "namespace", "su3");
        await f.Ok("create", "service", "nodeport", "web", "-n", "su3", "--tcp=80:80");
        var before = await f.Ok("get", "service", "web", "-n", "su3", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}");

        var replaced = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: su3, labels: {replaced: "yes"}}
            spec:
              type: NodePort
              selector: {app: web}
              ports: [{name: 80-80, port: 80, targetPort: 80}]
            """;
        await f.OkWithInput(replaced, "replace", "-f", "-");
        Assert.Equal(before, await f.Ok("get", "service", "web", "-n", "su3", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}"));
        Assert.Equal("yes", await f.Ok("get", "service", "web", "-n", "su3", "-o", "jsonpath={.metadata.labels.replaced}"));
    }

    [Fact]
    public async Task Ports_added_to_a_NodePort_service_get_node_ports_and_removed_ones_give_theirs_back()
    {
        await f.Ok("create", "namespace", "su4");
        await f.Ok("create", "service", "nodeport", "web", "-n", "su4", "--tcp=80:80");
        await f.Ok("patch", "service", "web", "-n", "su4", "--type=json", "-p",
            """[{"op":"add","path":"/spec/ports/0/name","value":"a"},{"op":"add","path":"/spec/ports/-","value":{"name":"b","port":81}}]""");
        var ports = (await f.Ok("get", "service", "web", "-n", "su4", "-o", Ports)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, ports.Length);
        var added = ports[1].Split(':')[1];
        Assert.InRange(int.Parse(added), 30000, 32767);
        Assert.NotEqual(ports[0].Split(':')[1], added);

        await f.Ok("patch", "service", "web", "-n", "su4", "--type=json", "-p", """[{"op":"remove","path":"/spec/ports/1"}]""");
        await f.Ok("create", "service", "nodeport", "taker", "-n", "su4", "--tcp=80:80", $"--node-port={added}");
    }

    [Fact]
    public async Task ExternalName_gives_the_cluster_IP_back_and_ClusterIP_takes_a_new_one()
    {
        await f.Ok("create", "namespace", "su5");
        await f.Ok("create", "service", "clusterip", "web", "-n", "su5", "--tcp=80:80");
        var ip = await f.Ok("get", "service", "web", "-n", "su5", "-o", "jsonpath={.spec.clusterIP}");

        await f.Ok("patch", "service", "web", "-n", "su5", "-p", """{"spec":{"type":"ExternalName","externalName":"db.example.test"}}""");
        Assert.Equal("ExternalName []", await f.Ok("get", "service", "web", "-n", "su5", "-o", "jsonpath={.spec.type} [{.spec.clusterIP}]"));
        await f.Ok("create", "service", "clusterip", "taker", "-n", "su5", "--tcp=80:80", $"--clusterip={ip}");

        await f.Ok("patch", "service", "web", "-n", "su5", "-p", """{"spec":{"type":"ClusterIP","externalName":null}}""");
        var fresh = await f.Ok("get", "service", "web", "-n", "su5", "-o", "jsonpath={.spec.clusterIP}");
        Assert.StartsWith("10.43.", fresh);
        Assert.NotEqual(ip, fresh);

        var stale = await f.Kubectl.RunAsync("patch", "service", "web", "-n", "su5", "-p", """{"spec":{"clusterIP":"10.43.0.99"}}""");
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("spec.clusterIPs[0]", stale.Stderr);
        Assert.Contains("may not change once set", stale.Stderr);
    }
}
