namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// Manifests of the project's test HTTP server (it answers `/cgi-bin/name` and `/` with its pod's
/// name). YAML flow mappings here close with `} }`: an interpolated raw string cannot hold `}}`.
/// </summary>
public static class HttpWorkloads
{
    /// <summary>
    /// A Deployment of <paramref name="replicas"/> http pods labelled app=<paramref name="name"/>,
    /// spread one per node, ready once `/` answers; <paramref name="extraPaths"/> are files under the
    /// web root that answer with the pod's name too (for path routing).
    /// </summary>
    public static string Deployment(string name, int replicas, params string[] extraPaths)
    {
        var files = string.Join(' ', extraPaths.Select(p => p.TrimStart('/')));
        var command = extraPaths.Length == 0
            ? ""
            : $$"""
                    command: ["sh", "-c", "for f in {{files}}; do mkdir -p /tmp/www/$(dirname $f); echo $POD_NAME > /tmp/www/$f; done; exec /bin/http-serve"]
            """;
        return $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: {{name}} }
            spec:
              replicas: {{replicas}}
              selector: {matchLabels: {app: {{name}} } }
              template:
                metadata: {labels: {app: {{name}} } }
                spec:
                  terminationGracePeriodSeconds: 1
                  topologySpreadConstraints:
                  - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: {{name}} } } }
                  containers:
                  - name: http
                    image: timonel.local/http:1
                    imagePullPolicy: IfNotPresent
            {{command}}
                    env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name} } }]
                    ports: [{containerPort: 80}]
                    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
            ---
            """;
    }

    /// <summary>A Service named <paramref name="name"/> on port 80 in front of app=<paramref name="app"/>.</summary>
    public static string Service(string name, string app, string type = "ClusterIP") => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}} }
        spec:
          type: {{type}}
          selector: {app: {{app}} }
          ports: [{port: 80, targetPort: 80}]
        ---
        """;
}
