using System.Text.Json.Nodes;
using Timonel.Api.Strategies;

namespace Timonel.Api.Tests.Strategies;

/// <summary>Upstream's defaults, one field per row, read back from the defaulted object.</summary>
public sealed class DefaultsTableTests
{
    private const string Tpl = "spec.template.spec";
    private const string C0 = "spec.template.spec.containers[0]";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "/Pod", "{}", "spec.restartPolicy", "\"Always\"" },
        { "/Pod", "{}", "spec.dnsPolicy", "\"ClusterFirst\"" },
        { "/Pod", "{}", "spec.terminationGracePeriodSeconds", "30" },
        { "/Pod", "{}", "spec.schedulerName", "\"default-scheduler\"" },
        { "/Pod", "{}", "spec.securityContext", "{}" },
        { "/Pod", "{}", "spec.enableServiceLinks", "true" },
        { "/Pod", "{}", "spec.containers[0].terminationMessagePath", "\"/dev/termination-log\"" },
        { "/Pod", "{}", "spec.containers[0].terminationMessagePolicy", "\"File\"" },
        { "/Pod", "{}", "spec.containers[0].imagePullPolicy", "\"IfNotPresent\"" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','ports':[{'containerPort':80}]}]}}", "spec.containers[0].ports[0].protocol", "\"TCP\"" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','livenessProbe':{'httpGet':{'port':80}}}]}}", "spec.containers[0].livenessProbe", "{\"httpGet\":{\"port\":80,\"path\":\"/\",\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3}" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','resources':{'limits':{'cpu':'1'}}}]}}", "spec.containers[0].resources.requests", "{\"cpu\":\"1\"}" },
        { "/Pod", "{}", "status", "{\"phase\":\"Pending\",\"qosClass\":\"BestEffort\"}" },
        { "/Pod", "{'status':{'phase':'Running'}}", "status", "{\"phase\":\"Running\"}" },
        { "apps/Deployment", "{}", "spec.replicas", "1" },
        { "apps/Deployment", "{}", "spec.strategy", "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}" },
        { "apps/Deployment", "{'spec':{'strategy':{'type':'Recreate'}}}", "spec.strategy", "{\"type\":\"Recreate\"}" },
        { "apps/Deployment", "{}", "spec.revisionHistoryLimit", "10" },
        { "apps/Deployment", "{}", "spec.progressDeadlineSeconds", "600" },
        { "apps/Deployment", "{}", $"{Tpl}.restartPolicy", "\"Always\"" },
        { "apps/Deployment", "{}", $"{C0}.imagePullPolicy", "\"IfNotPresent\"" },
        { "apps/Deployment", "{}", $"{Tpl}.enableServiceLinks", "null" },
        { "apps/Deployment", "{}", $"{Tpl}.tolerations", "null" },
        { "apps/ReplicaSet", "{}", "spec.replicas", "1" },
        { "/ReplicationController", "{}", "spec.selector", "{\"app\":\"web\"}" },
        { "apps/DaemonSet", "{}", "spec.updateStrategy", "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,\"maxSurge\":0}}" },
        { "apps/DaemonSet", "{}", "spec.revisionHistoryLimit", "10" },
        { "apps/StatefulSet", "{}", "spec.podManagementPolicy", "\"OrderedReady\"" },
        { "apps/StatefulSet", "{}", "spec.updateStrategy", "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}" },
        { "apps/StatefulSet", "{}", "spec.replicas", "1" },
        { "apps/StatefulSet", "{}", "spec.revisionHistoryLimit", "10" },
        { "apps/StatefulSet", "{}", "spec.persistentVolumeClaimRetentionPolicy", "{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}" },
        { "batch/Job", "{}", "spec.completions", "1" },
        { "batch/Job", "{}", "spec.parallelism", "1" },
        { "batch/Job", "{'spec':{'parallelism':3}}", "spec.completions", "null" },
        { "batch/Job", "{}", "spec.backoffLimit", "6" },
        { "batch/Job", "{}", "spec.completionMode", "\"NonIndexed\"" },
        { "batch/Job", "{}", "spec.suspend", "false" },
        { "batch/Job", "{}", "spec.podReplacementPolicy", "\"TerminatingOrFailed\"" },
        { "batch/Job", "{}", "spec.manualSelector", "false" },
        { "batch/Job", "{}", "spec.selector", "{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"job-uid\"}}" },
        { "batch/Job", "{}", "spec.template.metadata.labels", "{\"controller-uid\":\"job-uid\",\"batch.kubernetes.io/controller-uid\":\"job-uid\",\"job-name\":\"pi\",\"batch.kubernetes.io/job-name\":\"pi\"}" },
        { "batch/CronJob", "{}", "spec.concurrencyPolicy", "\"Allow\"" },
        { "batch/CronJob", "{}", "spec.suspend", "false" },
        { "batch/CronJob", "{}", "spec.successfulJobsHistoryLimit", "3" },
        { "batch/CronJob", "{}", "spec.failedJobsHistoryLimit", "1" },
        { "batch/CronJob", "{}", "spec.jobTemplate.spec.template.spec.containers[0].terminationMessagePolicy", "\"File\"" },
        { "/Service", "{}", "spec.type", "\"ClusterIP\"" },
        { "/Service", "{}", "spec.sessionAffinity", "\"None\"" },
        { "/Service", "{}", "spec.ports[0]", "{\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}" },
        { "/Service", "{}", "spec.ipFamilies", "[\"IPv4\"]" },
        { "/Service", "{}", "spec.ipFamilyPolicy", "\"SingleStack\"" },
        { "/Service", "{}", "spec.internalTrafficPolicy", "\"Cluster\"" },
        { "/Service", "{}", "spec.externalTrafficPolicy", "null" },
        { "/Service", "{'spec':{'type':'NodePort'}}", "spec.externalTrafficPolicy", "\"Cluster\"" },
        { "/Service", "{'spec':{'type':'LoadBalancer'}}", "spec.allocateLoadBalancerNodePorts", "true" },
        { "/Service", "{'spec':{'sessionAffinity':'ClientIP'}}", "spec.sessionAffinityConfig", "{\"clientIP\":{\"timeoutSeconds\":10800}}" },
        { "/Secret", "{}", "type", "\"Opaque\"" },
        { "/Secret", "{'stringData':{'password':'hunter2'}}", "data", "{\"k\":\"dmFsdWU=\",\"password\":\"aHVudGVyMg==\"}" },
        { "/Secret", "{'stringData':{'k':'new'}}", "data.k", "\"bmV3\"" },
        { "/Secret", "{'stringData':{'k':'new'}}", "stringData", "null" },
        { "scheduling.k8s.io/PriorityClass", "{}", "preemptionPolicy", "\"PreemptLowerPriority\"" },
        { "/Node", "{}", "spec.podCIDRs", "[\"10.244.1.0/24\"]" },
        { "/PersistentVolumeClaim", "{}", "spec.volumeMode", "\"Filesystem\"" },
        { "apps/StatefulSet", "{'spec':{'volumeClaimTemplates':[{'metadata':{'name':'data'},'spec':{'accessModes':['ReadWriteOnce']}}]}}", "spec.volumeClaimTemplates[0].spec.volumeMode", "\"Filesystem\"" },
        { "discovery.k8s.io/EndpointSlice", "{}", "ports[0].protocol", "\"TCP\"" },
        { "rbac.authorization.k8s.io/RoleBinding", "{}", "subjects[0].apiGroup", "\"rbac.authorization.k8s.io\"" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FieldIsDefaulted(string kind, string patch, string path, string expectedJson)
    {
        var obj = StrategyFixtures.Defaulted(kind, patch);
        Assert.Equal(expectedJson, At(obj, path)?.ToJsonString() ?? "null");
    }

    [Theory]
    [MemberData(nameof(ValidKinds.Kinds), MemberType = typeof(ValidKinds))]
    public void DefaultingTwiceChangesNothing(string kind)
    {
        var once = StrategyFixtures.Defaulted(kind);
        var twice = (JsonObject)once.DeepClone();
        StrategyFixtures.StrategyFor(kind).Default(twice);
        Assert.Equal(once.ToJsonString(), twice.ToJsonString());
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.27", "IfNotPresent")]
    [InlineData("registry.local:5000/app", "Always")]
    [InlineData("registry.local:5000/app:v2", "IfNotPresent")]
    [InlineData("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    public void PullPolicyFollowsTheTag(string image, string expected)
    {
        var pod = StrategyFixtures.Defaulted("/Pod", $"{{'spec':{{'containers':[{{'name':'a','image':'{image}'}}]}}}}");
        Assert.Equal(expected, At(pod, "spec.containers[0].imagePullPolicy")!.GetValue<string>());
    }

    [Theory]
    [InlineData("{}", "BestEffort")]
    [InlineData("{'requests':{'cpu':'100m'}}", "Burstable")]
    [InlineData("{'limits':{'cpu':'1','memory':'1Gi'}}", "Guaranteed")]
    [InlineData("{'limits':{'cpu':'1','memory':'1Gi'},'requests':{'cpu':'500m'}}", "Burstable")]
    [InlineData("{'limits':{'cpu':'1'}}", "Burstable")]
    public void QosClassFollowsRequestsAndLimits(string resources, string expected)
    {
        var pod = StrategyFixtures.Defaulted("/Pod", $"{{'spec':{{'containers':[{{'name':'a','image':'x','resources':{resources}}}]}}}}");
        Assert.Equal(expected, At(pod, "status.qosClass")!.GetValue<string>());
    }

    [Fact]
    public void PodsGetTheTwoNoExecuteTolerationsOnce()
    {
        var pod = StrategyFixtures.Defaulted("/Pod", "{'spec':{'tolerations':[{'key':'node.kubernetes.io/unreachable','operator':'Exists','effect':'NoExecute','tolerationSeconds':60}]}}");
        Assert.Equal(
            "[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":60}," +
            "{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}]",
            At(pod, "spec.tolerations")!.ToJsonString());
    }

    [Fact]
    public void ManualJobSelectorIsLeftAlone()
    {
        var job = StrategyFixtures.Defaulted("batch/Job", "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'app':'pi'}},'template':{'metadata':{'labels':{'app':'pi'}}}}}");
        Assert.Equal("{\"app\":\"pi\"}", At(job, "spec.template.metadata.labels")!.ToJsonString());
        Assert.Empty(StrategyFixtures.StrategyFor("batch/Job").Validate(job, null));
    }

    [Fact]
    public void PodUpdateMayChangeImageAndAddTolerations()
    {
        var old = StrategyFixtures.Defaulted("/Pod");
        var updated = (JsonObject)old.DeepClone();
        StrategyFixtures.Merge(updated, StrategyFixtures.Parse("{'spec':{'activeDeadlineSeconds':60}}"));
        At(updated, "spec.containers[0]")!["image"] = "nginx:1.28";
        ((JsonArray)At(updated, "spec.tolerations")!).Add(StrategyFixtures.Parse("{'key':'gpu','operator':'Exists'}"));
        Assert.Empty(StrategyFixtures.Check("/Pod", updated, old));
    }

    /// <summary>Follows a path like <c>spec.containers[0].image</c>; null when any step is missing.</summary>
    internal static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var step in path.Split('.'))
        {
            var bracket = step.IndexOf('[');
            var name = bracket < 0 ? step : step[..bracket];
            node = (node as JsonObject)?[name];
            if (bracket >= 0) node = (node as JsonArray)?[int.Parse(step[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)];
        }
        return node;
    }
}
