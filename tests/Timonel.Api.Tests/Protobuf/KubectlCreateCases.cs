namespace Timonel.Api.Tests.Protobuf;

/// <summary>One `kubectl create` command whose protobuf body is a fixture (Fixtures/Name.pb) and
/// whose `--dry-run=client -o json` output is the expected JSON (Fixtures/Name.json).</summary>
public sealed record KubectlCreateCase(string Name, string[] Args)
{
    public string CommandLine => "kubectl " + string.Join(' ', Args.Select(a => a.Contains(' ') ? $"'{a}'" : a));

    public override string ToString() => Name;
}

public static class KubectlCreateCases
{
    /// <summary>Files that commands read with --from-file, created in kubectl's working directory.</summary>
    public static readonly (string Name, byte[] Content)[] InputFiles =
    [
        ("app.properties", "color=blue\nsize=large\n"u8.ToArray()),
        // Not UTF-8, so kubectl puts it under binaryData.
        ("logo.bin", [0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01]),
    ];

    public static readonly KubectlCreateCase[] All =
    [
        new("namespace", ["create", "namespace", "team-a"]),
        new("configmap", ["create", "configmap", "settings", "-n", "team-a", "--from-literal=mode=fast",
            "--from-literal=empty=", "--from-file=app.properties", "--from-file=logo.bin"]),
        new("secret-generic", ["create", "secret", "generic", "creds", "--from-literal=user=admin",
            "--from-literal=password=s3cr3t", "--type=Opaque"]),
        new("secret-docker-registry", ["create", "secret", "docker-registry", "regcred",
            "--docker-server=registry.example.test", "--docker-username=u", "--docker-password=p",
            "--docker-email=u@example.test"]),
        new("deployment", ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80"]),
        new("deployment-command", ["create", "deployment", "sleeper", "-n", "team-a", "--image=busybox:1.36",
            "--replicas=0", "--", "sleep", "3600"]),
        new("service-clusterip", ["create", "service", "clusterip", "api", "--tcp=80:8080", "--tcp=443:8443"]),
        new("service-clusterip-headless", ["create", "service", "clusterip", "db", "--clusterip=None"]),
        new("service-nodeport", ["create", "service", "nodeport", "x", "--tcp=80:8080", "--node-port=30080"]),
        new("service-loadbalancer", ["create", "service", "loadbalancer", "lb", "--tcp=80:http"]),
        new("service-externalname", ["create", "service", "externalname", "ext", "--external-name=db.example.test"]),
        new("serviceaccount", ["create", "serviceaccount", "builder"]),
        new("job", ["create", "job", "j", "--image=busybox", "--", "echo", "hi"]),
        new("cronjob", ["create", "cronjob", "c", "--image=busybox", "--schedule=*/1 * * * *",
            "--restart=OnFailure", "--", "date"]),
        new("role", ["create", "role", "r", "--verb=get", "--verb=list", "--resource=pods",
            "--resource=deployments.apps", "--resource-name=web"]),
        new("rolebinding", ["create", "rolebinding", "rb", "--role=r", "--user=u", "--group=devs",
            "--serviceaccount=team-a:builder"]),
        new("clusterrole", ["create", "clusterrole", "cr", "--verb=get,list,watch", "--resource=nodes"]),
        new("clusterrole-nonresource", ["create", "clusterrole", "health", "--verb=get", "--non-resource-url=/healthz"]),
        new("clusterrole-aggregation", ["create", "clusterrole", "monitoring",
            "--aggregation-rule=rbac.example.test/aggregate-to-monitoring=true"]),
        new("clusterrolebinding", ["create", "clusterrolebinding", "crb", "--clusterrole=cr", "--user=alice",
            "--group=ops"]),
        new("ingress", ["create", "ingress", "i", "--class=nginx", "--rule=a.example.test/=svc:80",
            "--rule=b.example.test/api*=api:8080,tls=b-cert", "--default-backend=fallback:http",
            "--annotation=example.test/owner=team-a"]),
        new("pdb-min-available", ["create", "pdb", "p", "--selector=app=x", "--min-available=1"]),
        new("pdb-max-unavailable", ["create", "poddisruptionbudget", "p2", "--selector=app=y",
            "--max-unavailable=50%"]),
        new("priorityclass", ["create", "priorityclass", "high", "--value=1000", "--description=important",
            "--preemption-policy=Never"]),
        new("priorityclass-default", ["create", "priorityclass", "low", "--value=-10", "--global-default"]),
        new("quota", ["create", "quota", "q", "--hard=pods=10,cpu=2,memory=1Gi,requests.storage=5Gi",
            "--scopes=NotBestEffort,NotTerminating"]),
    ];

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    public static KubectlCreateCase ByName(string name) => All.Single(c => c.Name == name);
}
