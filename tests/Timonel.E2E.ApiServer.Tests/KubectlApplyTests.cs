namespace Timonel.E2E.ApiServer.Tests;

/// <summary>Client-side and server-side apply with the real kubectl, as a user runs them.</summary>
public sealed class KubectlApplyTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          mode: fast
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: creds
          namespace: shop
        data:
          password: czNjcmV0
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.27
                env:
                - {name: A, value: "1"}
                - {name: B, value: "2"}
              - name: side
                image: busybox:1.36
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector: {app: web}
          ports:
          - port: 80
            targetPort: 8080
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: shop
        spec:
          rules:
          - host: shop.example.test
            http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service: {name: web, port: {number: 80}}
        """;

    [Fact]
    public async Task Apply_creates_then_is_unchanged_then_configures_a_strategic_merge()
    {
        var first = await f.OkWithInput(Manifest, "apply", "-f", "-");
        Assert.Equal(
            ["namespace/shop created", "configmap/settings created", "secret/creds created", "deployment.apps/web created", "service/web created", "ingress.networking.k8s.io/web created"],
            Lines(first));

        var second = await f.OkWithInput(Manifest, "apply", "-f", "-");
        Assert.All(Lines(second), l => Assert.EndsWith(" unchanged", l));

        // Remove env var B and the sidecar, bump the image: one strategic merge patch.
        var changed = Manifest
            .Replace("        - {name: B, value: \"2\"}\n", "        - {name: C, value: \"3\"}\n", StringComparison.Ordinal)
            .Replace("      - name: side\n        image: busybox:1.36\n", "", StringComparison.Ordinal)
            .Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal);
        var third = await f.OkWithInput(changed, "apply", "-f", "-");
        Assert.Contains("deployment.apps/web configured", Lines(third));
        Assert.Contains("configmap/settings unchanged", Lines(third));

        var containers = await f.Ok("get", "deployment", "web", "-n", "shop", "-o", "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image};{end}");
        Assert.Equal("web=nginx:1.28;", containers);
        var env = await f.Ok("get", "deployment", "web", "-n", "shop", "-o", "jsonpath={range .spec.template.spec.containers[0].env[*]}{.name}={.value};{end}");
        Assert.Equal("A=1;C=3;", env);
        Assert.Equal("2", await f.Ok("get", "deployment", "web", "-n", "shop", "-o", "jsonpath={.metadata.generation}"));
        Assert.Equal("s3cret", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(
            await f.Ok("get", "secret", "creds", "-n", "shop", "-o", "jsonpath={.data.password}"))));

        var all = ServerFixture.Rows(await f.Ok("get", "all", "-n", "shop"));
        Assert.Contains(all, r => r[0] == "service/web");
        Assert.Contains(all, r => r[0] == "deployment.apps/web");
    }

    [Fact]
    public async Task Server_side_apply_creates_updates_and_reports_conflicts()
    {
        await f.Ok("create", "namespace", "ssa");
        const string cm = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: owned, namespace: ssa}
            data: {a: "1", b: "2"}
            """;
        Assert.Equal("configmap/owned serverside-applied", (await f.OkWithInput(cm, "apply", "--server-side", "-f", "-")).Trim());
        var managers = await f.Ok("get", "configmap", "owned", "-n", "ssa", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}");
        Assert.Equal("kubectl", managers);

        // Another manager wants field a with a different value: a conflict, unless forced.
        var otherConfig = cm.Replace("a: \"1\", b: \"2\"", "a: \"9\"", StringComparison.Ordinal);
        var other = await f.Kubectl.RunWithInputAsync(otherConfig, "apply", "--server-side", "--field-manager=other", "-f", "-");
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("conflict", other.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(".data.a", other.Stderr);
        var forced = await f.OkWithInput(otherConfig, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-");
        Assert.Contains("serverside-applied", forced);
        Assert.Equal("9", await f.Ok("get", "configmap", "owned", "-n", "ssa", "-o", "jsonpath={.data.a}"));

        // Dropping b, which only kubectl owns, from kubectl's applied config removes it.
        await f.OkWithInput(cm.Replace(", b: \"2\"", "", StringComparison.Ordinal).Replace("a: \"1\"", "a: \"9\"", StringComparison.Ordinal), "apply", "--server-side", "-f", "-");
        Assert.Equal("", await f.Ok("get", "configmap", "owned", "-n", "ssa", "-o", "jsonpath={.data.b}"));
    }

    [Fact]
    public async Task Edit_with_an_editor_script_changes_the_object()
    {
        await f.Ok("create", "namespace", "edit");
        await f.Ok("create", "configmap", "e", "-n", "edit", "--from-literal=color=blue");
        var script = Path.Combine(f.Kubectl.Home, "editor.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nsed -i 's/color: blue/color: green/' \"$1\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = await f.Kubectl.RunWithAsync(RepoPaths.Kubectl, null, new Dictionary<string, string> { ["KUBE_EDITOR"] = script }, "edit", "configmap", "e", "-n", "edit");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("configmap/e edited", r.Stdout.Trim());
        Assert.Equal("green", await f.Ok("get", "configmap", "e", "-n", "edit", "-o", "jsonpath={.data.color}"));
    }

    [Fact]
    public async Task Reapplying_a_stateful_set_with_claim_templates_keeps_its_generation()
    {
        // The claim templates are a list kubectl's patch replaces whole, without the server's
        // defaults (volumeMode); defaulted again, the spec is the same, so nothing changed.
        const string manifest = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: sts-apply}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db, namespace: sts-apply}
            spec:
              serviceName: db
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  containers:
                  - {name: db, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """;
        await f.OkWithInput(manifest, "apply", "-f", "-");
        await f.OkWithInput(manifest, "apply", "-f", "-");
        Assert.Equal("1|Filesystem", await f.Ok("get", "statefulset", "db", "-n", "sts-apply", "-o",
            "jsonpath={.metadata.generation}|{.spec.volumeClaimTemplates[0].spec.volumeMode}"));
    }

    private static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
}
