namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// The `web` app of the availability tests: a Deployment of `timonel.local/http:1` pods (each
/// answers /cgi-bin/name with its own name, ready once / answers, probed every second), a ClusterIP
/// Service `web` and optionally an Ingress for a host; applied with the real kubectl.
/// </summary>
public static class WebApp
{
    /// <summary>
    /// <paramref name="spread"/> is a topologySpreadConstraint's whenUnsatisfiable over node names;
    /// <paramref name="podSpecExtra"/> is more YAML at the pod spec's indentation (tolerations).
    /// </summary>
    public static string Manifest(string ns, int replicas, string spread, string? ingressHost = null, string podSpecExtra = "") => $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {{ns}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {{ns}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: {app: web}
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
          template:
            metadata:
              labels: {app: web}
            spec:
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: kubernetes.io/hostname
                whenUnsatisfiable: {{spread}}
                labelSelector:
                  matchLabels: {app: web}
        {{podSpecExtra}}
              containers:
              - name: http
                image: timonel.local/http:1
                imagePullPolicy: IfNotPresent
                env:
                - name: POD_NAME
                  valueFrom:
                    fieldRef: {fieldPath: metadata.name}
                ports:
                - containerPort: 80
                readinessProbe:
                  httpGet: {path: /, port: 80}
                  periodSeconds: 1
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: {{ns}}
        spec:
          selector: {app: web}
          ports:
          - port: 80
            targetPort: 80
        {{(ingressHost is null ? "" : IngressYaml(ns, ingressHost))}}
        """;

    private static string IngressYaml(string ns, string host) => $$"""
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: {{ns}}
        spec:
          rules:
          - host: {{host}}
            http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: web
                    port: {number: 80}
        """;

    /// <summary>`kubectl apply -f` of <paramref name="yaml"/> (through a temp file).</summary>
    public static async Task ApplyAsync(LocalCluster cluster, string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"timonel-e2e-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            await cluster.KubectlOk("apply", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Waits for the Deployment's rollout to finish (every replica updated and available).</summary>
    public static Task RolloutAsync(LocalCluster cluster, string ns) =>
        cluster.KubectlOk("rollout", "status", "deploy/web", "-n", ns, "--timeout=110s");

    /// <summary>The web pods that are not terminating: name → (node, phase, ready, pod IP).</summary>
    public static async Task<Dictionary<string, WebPod>> LivePodsAsync(LocalCluster cluster, string ns)
    {
        var rows = await cluster.KubectlOk("get", "pods", "-n", ns, "-l", "app=web", "-o",
            """jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase} {.status.podIP} {.metadata.deletionTimestamp} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}""");
        var pods = new Dictionary<string, WebPod>(StringComparer.Ordinal);
        foreach (var cols in rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')))
        {
            if (cols is [var name, var node, var phase, var ip, "", var ready])
            {
                pods[name] = new WebPod(name, node, phase, ip, ready == "True");
            }
        }
        return pods;
    }

    /// <summary>Waits until exactly <paramref name="count"/> live web pods are Running and ready; them.</summary>
    public static Task<Dictionary<string, WebPod>> ReadyPodsAsync(LocalCluster cluster, string ns, int count, int seconds = 120) =>
        Run.UntilAsync(async () =>
        {
            var pods = await LivePodsAsync(cluster, ns);
            return pods.Count == count && pods.Values.All(p => p.Phase == "Running" && p.Ready) ? pods : null;
        }, $"{count} ready web pods in {ns}", seconds, async () => (await cluster.Kubectl("get", "pods", "-n", ns, "-o", "wide")).Output);
}

public sealed record WebPod(string Name, string Node, string Phase, string Ip, bool Ready);
