using k8s;
using k8s.Models;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>
/// What in-cluster clients rely on: every namespace has the `kube-root-ca.crt` ConfigMap, and a
/// new pod runs as a service account whose token, CA and namespace are mounted at
/// /var/run/secrets/kubernetes.io/serviceaccount, unless it opts out.
/// </summary>
public sealed class ServiceAccountAdmissionTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    [Fact]
    public async Task A_pod_gets_the_default_account_and_its_token_volume_in_every_container()
    {
        await NamespaceWithDefaultAccountAsync("sa-mount");
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: client, namespace: sa-mount}
            spec:
              initContainers: [{name: setup, image: busybox}]
              containers:
              - {name: main, image: busybox}
              - name: own
                image: busybox
                volumeMounts: [{name: mine, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
              volumes: [{name: mine, emptyDir: {}}]
            """;

        await f.OkWithInput(pod, "apply", "-f", "-");

        Assert.Equal("default", await f.Ok("get", "pod", "client", "-n", "sa-mount", "-o", "jsonpath={.spec.serviceAccountName}"));
        var volume = await f.Ok("get", "pod", "client", "-n", "sa-mount", "-o", "jsonpath={.spec.volumes[1].name}");
        Assert.Matches("^kube-api-access-[a-z0-9]{5}$", volume);
        var sources = await f.Ok("get", "pod", "client", "-n", "sa-mount", "-o",
            "jsonpath={.spec.volumes[1].projected.sources[0].serviceAccountToken.path},{.spec.volumes[1].projected.sources[1].configMap.name},{.spec.volumes[1].projected.sources[2].downwardAPI.items[0].fieldRef.fieldPath}");
        Assert.Equal("token,kube-root-ca.crt,metadata.namespace", sources);
        var mounts = await f.Ok("get", "pod", "client", "-n", "sa-mount", "-o",
            "jsonpath={range .spec.initContainers[*]}{.name}:{range .volumeMounts[*]}{.name}@{.mountPath}@{.readOnly};{end}|{end}{range .spec.containers[*]}{.name}:{range .volumeMounts[*]}{.name}@{.mountPath}@{.readOnly};{end}|{end}");
        Assert.Equal($"setup:{volume}@{MountPath}@true;|main:{volume}@{MountPath}@true;|own:mine@{MountPath}@;|", mounts);
    }

    [Fact]
    public async Task A_pod_created_right_after_its_namespace_waits_for_the_default_account_and_gets_its_token()
    {
        // The pod's create follows its namespace's at once, before the controller can have
        // created the namespace's "default" account; a few rounds, as the window is short.
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(f.Server.Kubeconfig));
        for (var round = 0; round < 5; round++)
        {
            var ns = $"sa-fresh-{round}";
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = ns } });
            var pod = await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new() { Name = "early" },
                Spec = new() { Containers = [new() { Name = "main", Image = "busybox" }] },
            }, ns);
            var mount = Assert.Single(pod.Spec.Containers[0].VolumeMounts ?? []);
            Assert.Equal(MountPath, mount.MountPath);
            Assert.StartsWith("kube-api-access-", mount.Name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Opting_out_mounts_nothing_and_an_unknown_account_is_forbidden()
    {
        await NamespaceWithDefaultAccountAsync("sa-opt");
        await f.Ok("run", "quiet", "-n", "sa-opt", "--image=busybox", "--overrides", """{"spec":{"automountServiceAccountToken":false}}""");
        await f.Ok("create", "serviceaccount", "robot", "-n", "sa-opt");
        await f.Ok("patch", "serviceaccount", "robot", "-n", "sa-opt", "--type=merge", "-p", """{"automountServiceAccountToken":false}""");
        await f.Ok("run", "robotic", "-n", "sa-opt", "--image=busybox", "--overrides", """{"spec":{"serviceAccountName":"robot"}}""");

        var ghost = await f.Kubectl.RunAsync("run", "haunted", "-n", "sa-opt", "--image=busybox", "--overrides", """{"spec":{"serviceAccountName":"ghost"}}""");

        Assert.Equal("", await f.Ok("get", "pod", "quiet", "-n", "sa-opt", "-o", "jsonpath={.spec.volumes}"));
        Assert.Equal("robot|", await f.Ok("get", "pod", "robotic", "-n", "sa-opt", "-o", "jsonpath={.spec.serviceAccountName}|{.spec.volumes}"));
        Assert.NotEqual(0, ghost.ExitCode);
        Assert.Contains("error looking up service account sa-opt/ghost", ghost.Stderr);
    }

    [Fact]
    public async Task Every_namespace_publishes_the_cluster_ca_and_gets_it_back_after_a_delete()
    {
        await f.Ok("create", "namespace", "rootca");
        var ca = (await File.ReadAllTextAsync(Path.Combine(f.Server.DataDir, "server", "tls", "ca.crt"))).Trim();

        var published = await PollAsync(() => f.Kubectl.RunAsync("get", "configmap", "kube-root-ca.crt", "-n", "rootca", "-o", "jsonpath={.data.ca\\.crt}"));
        Assert.Equal(ca, published.Trim());

        await f.Ok("delete", "configmap", "kube-root-ca.crt", "-n", "rootca");
        var again = await PollAsync(() => f.Kubectl.RunAsync("get", "configmap", "kube-root-ca.crt", "-n", "rootca", "-o", "jsonpath={.data.ca\\.crt}"));
        Assert.Equal(ca, again.Trim());
    }

    private async Task NamespaceWithDefaultAccountAsync(string ns)
    {
        await f.Ok("create", "namespace", ns);
        await PollAsync(() => f.Kubectl.RunAsync("get", "serviceaccount", "default", "-n", ns, "-o", "name"));
    }

    /// <summary>The first successful output; the controllers act a moment after the namespace exists.</summary>
    private static async Task<string> PollAsync(Func<Task<CommandResult>> run)
    {
        CommandResult last = new(1, "", "");
        for (var i = 0; i < 300; i++)
        {
            last = await run();
            if (last.ExitCode == 0 && last.Stdout.Length > 0)
            {
                return last.Stdout;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"never succeeded: {last.All}");
        return "";
    }
}
