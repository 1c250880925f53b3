using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Timonel.Api.Json;

namespace Timonel.Api.Tests.Json;

/// <summary>
/// The smaller source-generated context must write and read models exactly as KubernetesClient's
/// own serializer does: the same options, only the metadata comes from elsewhere.
/// </summary>
public class ModelJsonTests
{
    private static readonly JsonSerializerOptions Options = new()
    {
        TypeInfoResolver = ModelJson.Resolver,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters =
        {
            new JsonStringEnumConverter(),
            new KubernetesJson.Iso8601TimeSpanConverter(),
            new KubernetesJson.KubernetesDateTimeConverter(),
            new KubernetesJson.KubernetesDateTimeOffsetConverter(),
        },
    };

    public static TheoryData<string, Type> Objects() => new()
    {
        {
            """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","uid":"u1",
             "creationTimestamp":"2026-11-28T10:00:00Z","deletionTimestamp":"2026-11-28T10:01:02Z",
             "labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"u0","controller":true}],
             "managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2026-11-28T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}}}}]},
             "spec":{"containers":[{"name":"c","image":"busybox","command":["sh","-c","sleep 1"],
               "ports":[{"containerPort":8080,"protocol":"TCP"}],
               "resources":{"limits":{"cpu":"500m","memory":"64Mi"},"requests":{"cpu":"0.1","memory":"1Gi"}},
               "livenessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":10},
               "readinessProbe":{"tcpSocket":{"port":8080}},
               "env":[{"name":"A","value":"1"},{"name":"N","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
               "securityContext":{"runAsUser":1000,"capabilities":{"add":["NET_ADMIN"]}}}],
               "volumes":[{"name":"v","configMap":{"name":"cm","defaultMode":420}},{"name":"e","emptyDir":{"sizeLimit":"1Gi"}}],
               "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
               "terminationGracePeriodSeconds":30,"nodeName":"n1"},
             "status":{"phase":"Running","podIP":"10.42.0.5","podIPs":[{"ip":"10.42.0.5"}],"startTime":"2026-11-28T10:00:01Z",
               "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-28T10:00:03Z"}],
               "containerStatuses":[{"name":"c","ready":true,"restartCount":2,"image":"busybox","imageID":"sha256:ab",
                 "state":{"running":{"startedAt":"2026-11-28T10:00:02Z"}},
                 "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","finishedAt":"2026-11-28T09:59:59Z"}}}]}}
            """,
            typeof(V1Pod)
        },
        {
            """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":3},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"},"matchExpressions":[{"key":"tier","operator":"In","values":["a"]}]},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
               "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"x"}]}}},
             "status":{"replicas":2,"conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-11-28T10:00:00Z"}]}}
            """,
            typeof(V1Deployment)
        },
        {
            """
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},
             "spec":{"podCIDR":"10.42.1.0/24","taints":[{"key":"k","effect":"NoSchedule","timeAdded":"2026-11-28T10:00:00Z"}]},
             "status":{"capacity":{"cpu":"2","memory":"24578376Ki","pods":"110"},
               "conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-11-28T10:00:00Z"}],
               "nodeInfo":{"kubeletVersion":"v1.35.0","containerRuntimeVersion":"containerd://1.6.20","architecture":"amd64",
                 "bootID":"b","kernelVersion":"6.1","kubeProxyVersion":"","machineID":"m","operatingSystem":"linux","osImage":"Debian","systemUUID":"s"}}}
            """,
            typeof(V1Node)
        },
        {
            """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1"},"spec":{"holderIdentity":"n1","leaseDurationSeconds":40,"renewTime":"2026-11-28T10:00:00.123456Z"}}""",
            typeof(V1Lease)
        },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void Writes_and_reads_as_KubernetesClient_does(string json, Type type)
    {
        var theirs = KubernetesJson.Serialize(JsonSerializer.Deserialize(json, type, KubernetesOptions())!);
        var ours = JsonSerializer.Serialize(JsonSerializer.Deserialize(json, type, Options), type, Options);

        Assert.Equal(theirs, ours);
        Assert.Contains("\"kind\":", ours);
    }

    [Fact]
    public void A_type_outside_the_context_still_serializes()
    {
        var role = new V1APIService { Metadata = new V1ObjectMeta { Name = "v1.x" }, Spec = new V1APIServiceSpec { Group = "x", Version = "v1" } };

        Assert.Equal(KubernetesJson.Serialize(role), JsonSerializer.Serialize(role, Options));
    }

    /// <summary>KubernetesClient's own options, reached the way its Deserialize does for a runtime type.</summary>
    private static JsonSerializerOptions KubernetesOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(options => captured = options);
        return captured!;
    }
}
