using System.Text.Json.Nodes;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// A pod as a Deployment's ReplicaSet creates it (labels, owner reference, two containers with
/// ports, env, probes, resources, volume mounts; tolerations; the status a kubelet reports), for
/// the update steps of apiserver-create-steps.
/// </summary>
internal static class SamplePod
{
    public static JsonObject Unscheduled() => (JsonObject)JsonNode.Parse(
        """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d9f8c6b5-x2x7q","generateName":"web-7d9f8c6b5-","namespace":"bench",
        "uid":"0f5c3e1a-8d3b-4c6e-9a57-3d2b1f0e9c11","resourceVersion":"1234","creationTimestamp":"2025-01-01T00:00:00Z",
        "labels":{"app":"web","pod-template-hash":"7d9f8c6b5","tier":"frontend"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8c6b5","uid":"6a1e0c7d-2b44-4f0a-8e3c-1c2d3e4f5a6b","controller":true,"blockOwnerDeletion":true}]},
        "spec":{"containers":[
          {"name":"web","image":"nginx:1.27","imagePullPolicy":"IfNotPresent","ports":[{"name":"http","containerPort":80,"protocol":"TCP"},{"name":"metrics","containerPort":9113,"protocol":"TCP"}],
           "env":[{"name":"MODE","value":"production"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],
           "resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"64Mi"}},
           "readinessProbe":{"httpGet":{"path":"/healthz","port":80,"scheme":"HTTP"},"periodSeconds":5,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3},
           "volumeMounts":[{"name":"config","mountPath":"/etc/nginx/conf.d","readOnly":true},{"name":"kube-api-access","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}],
           "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"},
          {"name":"sidecar","image":"busybox:1.36","command":["sh","-c","sleep infinity"],"imagePullPolicy":"IfNotPresent","resources":{},
           "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
        "volumes":[{"name":"config","configMap":{"name":"web-config","defaultMode":420}},{"name":"kube-api-access","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}],
        "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","securityContext":{},"schedulerName":"default-scheduler",
        "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
        "priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},
        "status":{"phase":"Pending","qosClass":"Burstable","conditions":[{"type":"PodScheduled","status":"False","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:00Z"}]}}
        """)!;

    /// <summary>The status a kubelet reports once both containers run.</summary>
    public static JsonObject RunningStatus() => (JsonObject)JsonNode.Parse(
        """
        {"phase":"Running","qosClass":"Burstable","hostIP":"10.0.0.7","hostIPs":[{"ip":"10.0.0.7"}],"podIP":"10.244.3.17","podIPs":[{"ip":"10.244.3.17"}],
        "startTime":"2025-01-01T00:00:02Z",
        "conditions":[{"type":"PodReadyToStartContainers","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:03Z"},
          {"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:02Z"},
          {"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:05Z"},
          {"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:05Z"},
          {"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:01Z"}],
        "containerStatuses":[
          {"name":"sidecar","image":"docker.io/library/busybox:1.36","imageID":"docker.io/library/busybox@sha256:0123","containerID":"containerd://aa11","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2025-01-01T00:00:03Z"}},"lastState":{}},
          {"name":"web","image":"docker.io/library/nginx:1.27","imageID":"docker.io/library/nginx@sha256:4567","containerID":"containerd://bb22","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2025-01-01T00:00:04Z"}},"lastState":{}}]}
        """)!;
}
