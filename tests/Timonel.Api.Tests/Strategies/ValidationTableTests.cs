namespace Timonel.Api.Tests.Strategies;

/// <summary>
/// One invalid change per row to an otherwise valid object: exactly one cause comes back,
/// with upstream's field path and wording.
/// </summary>
public sealed class ValidationTableTests
{
    [Theory]
    [MemberData(nameof(ValidKinds.Kinds), MemberType = typeof(ValidKinds))]
    public void ValidObjectsPass(string kind) => Assert.Empty(StrategyFixtures.Check(kind, StrategyFixtures.Build(kind)));

    public static TheoryData<string, string, string, string> CreateCases => new()
    {
        // Pods and pod templates
        { "/Pod", "{'spec':{'containers':[]}}", "spec.containers", "Required value" },
        { "/Pod", "{'spec':{'containers':[{'name':'web'}]}}", "spec.containers[0].image", "Required value" },
        { "/Pod", "{'spec':{'containers':[{'image':'nginx'}]}}", "spec.containers[0].name", "Required value" },
        { "/Pod", "{'spec':{'containers':[{'name':'Web','image':'nginx'}]}}", "spec.containers[0].name", "Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'a','image':'y'}]}}", "spec.containers[1].name", "Duplicate value: \"a\"" },
        { "/Pod", "{'spec':{'initContainers':[{'name':'web','image':'x'}]}}", "spec.containers[0].name", "Duplicate value: \"web\"" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','ports':[{'containerPort':70000}]}]}}", "spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','ports':[{'containerPort':80,'protocol':'HTTP'}]}]}}", "spec.containers[0].ports[0].protocol", "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"" },
        { "/Pod", "{'spec':{'restartPolicy':'Sometimes'}}", "spec.restartPolicy", "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"" },
        { "/Pod", "{'spec':{'dnsPolicy':'Google'}}", "spec.dnsPolicy", "Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','imagePullPolicy':'Sometimes'}]}}", "spec.containers[0].imagePullPolicy", "Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','resources':{'requests':{'cpu':'2'},'limits':{'cpu':'500m'}}}]}}", "spec.containers[0].resources.requests", "Invalid value: \"2\": must be less than or equal to cpu limit of 500m" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','resources':{'requests':{'memory':'2Gi'},'limits':{'memory':'0.5Gi'}}}]}}", "spec.containers[0].resources.requests", "Invalid value: \"2Gi\": must be less than or equal to memory limit of 512Mi" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','resources':{'requests':{'memory':'lots'}}}]}}", "spec.containers[0].resources.requests[memory]", "Invalid value: \"lots\": must be a valid resource quantity" },
        { "/Pod", "{'spec':{'volumes':[{'name':'v','emptyDir':{}},{'name':'v','emptyDir':{}}]}}", "spec.volumes[1].name", "Duplicate value: \"v\"" },
        { "/Pod", "{'spec':{'containers':[{'name':'a','image':'x','volumeMounts':[{'name':'data','mountPath':'/data'}]}]}}", "spec.containers[0].volumeMounts[0].name", "Not found: \"data\"" },
        { "apps/Deployment", "{'spec':{'template':{'spec':{'containers':[{'name':'web'}]}}}}", "spec.template.spec.containers[0].image", "Required value" },
        { "apps/Deployment", "{'spec':{'selector':null}}", "spec.selector", "Required value" },
        { "apps/Deployment", "{'spec':{'selector':{'matchLabels':{'app':'api'}}}}", "spec.template.metadata.labels", "Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`" },
        { "apps/Deployment", "{'spec':{'selector':{'matchLabels':{'app':'api'}},'template':{'metadata':{'labels':{'aa':'1'}}}}}", "spec.template.metadata.labels", "Invalid value: {\"aa\":\"1\",\"app\":\"web\"}: `selector` does not match template `labels`" },
        { "apps/Deployment", "{'spec':{'selector':{'matchLabels':null}}}", "spec.selector", "Invalid value: {}: empty selector is invalid for deployment" },
        { "apps/Deployment", "{'spec':{'replicas':-1}}", "spec.replicas", "Invalid value: -1: must be greater than or equal to 0" },
        { "apps/Deployment", "{'spec':{'template':{'spec':{'restartPolicy':'Never'}}}}", "spec.template.spec.restartPolicy", "Unsupported value: \"Never\": supported values: \"Always\"" },
        { "apps/Deployment", "{'spec':{'strategy':{'type':'BlueGreen'}}}", "spec.strategy.type", "Unsupported value: \"BlueGreen\": supported values: \"Recreate\", \"RollingUpdate\"" },
        { "apps/ReplicaSet", "{'spec':{'selector':{'matchExpressions':[{'key':'app','operator':'In','values':['api']}]}}}", "spec.template.metadata.labels", "Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`" },
        { "apps/Deployment", "{'spec':{'strategy':{'type':'Recreate','rollingUpdate':{'maxSurge':1}}}}", "spec.strategy.rollingUpdate", "Forbidden: may not be specified when strategy `type` is 'Recreate'" },
        { "apps/Deployment", "{'spec':{'strategy':{'rollingUpdate':{'maxSurge':0,'maxUnavailable':'0%'}}}}", "spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: \"0%\": may not be 0 when `maxSurge` is 0" },
        { "apps/ReplicaSet", "{'spec':{'selector':{'matchLabels':null}}}", "spec.selector", "Invalid value: {}: empty selector is invalid for deployment" },
        { "apps/DaemonSet", "{'spec':{'selector':{'matchLabels':null}}}", "spec.selector", "Invalid value: {}: empty selector is invalid for daemonset" },
        { "apps/DaemonSet", "{'spec':{'updateStrategy':{'type':'Sometimes'}}}", "spec.updateStrategy.type", "Unsupported value: \"Sometimes\": supported values: \"OnDelete\", \"RollingUpdate\"" },
        { "apps/StatefulSet", "{'spec':{'podManagementPolicy':'Random'}}", "spec.podManagementPolicy", "Unsupported value: \"Random\": supported values: \"OrderedReady\", \"Parallel\"" },
        { "apps/StatefulSet", "{'spec':{'volumeClaimTemplates':[{'metadata':{'name':'data'},'spec':{'accessModes':['ReadWriteOnce']}}],'template':{'spec':{'containers':[{'name':'web','image':'x','volumeMounts':[{'name':'data','mountPath':'/d'},{'name':'logs','mountPath':'/l'}]}]}}}}", "spec.template.spec.containers[0].volumeMounts[1].name", "Not found: \"logs\"" },
        { "/ReplicationController", "{'spec':{'selector':{'app':'other'}}}", "spec.template.metadata.labels", "Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`" },
        // Batch
        { "batch/Job", "{'spec':{'template':{'spec':{'restartPolicy':null}}}}", "spec.template.spec.restartPolicy", "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"" },
        { "batch/Job", "{'spec':{'backoffLimit':-1}}", "spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0" },
        { "batch/Job", "{'spec':{'manualSelector':true}}", "spec.selector", "Required value" },
        { "batch/CronJob", "{'spec':{'schedule':null}}", "spec.schedule", "Required value" },
        { "batch/CronJob", "{'spec':{'schedule':'every minute'}}", "spec.schedule", "Invalid value: \"every minute\": expected exactly 5 fields, found 2: [every minute]" },
        { "batch/CronJob", "{'spec':{'schedule':'61 * * * *'}}", "spec.schedule", "Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61" },
        { "batch/CronJob", "{'spec':{'schedule':'TZ=UTC 0 * * * *'}}", "spec.schedule", "Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead" },
        { "batch/CronJob", "{'spec':{'concurrencyPolicy':'Sometimes'}}", "spec.concurrencyPolicy", "Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"" },
        { "batch/CronJob", "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'Always'}}}}}}", "spec.jobTemplate.spec.template.spec.restartPolicy", "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"" },
        { "batch/CronJob", "{'spec':{'jobTemplate':{'spec':{'selector':{'matchLabels':{'a':'b'}},'template':{'metadata':{'labels':{'a':'b'}}}}}}}", "spec.jobTemplate.spec.selector", "Invalid value: {\"matchLabels\":{\"a\":\"b\"}}: `selector` will be auto-generated" },
        // Service
        { "/Service", "{'spec':{'ports':[]}}", "spec.ports", "Required value" },
        { "/Service", "{'spec':{'ports':[{'port':0,'targetPort':80}]}}", "spec.ports[0].port", "Required value" },
        { "/Service", "{'spec':{'ports':[{'port':65536,'targetPort':80}]}}", "spec.ports[0].port", "Invalid value: 65536: must be between 1 and 65535, inclusive" },
        { "/Service", "{'spec':{'ports':[{'name':'http','port':80},{'port':443}]}}", "spec.ports[1].name", "Required value" },
        { "/Service", "{'spec':{'ports':[{'name':'http','port':80},{'name':'http','port':443}]}}", "spec.ports[1].name", "Duplicate value: \"http\"" },
        { "/Service", "{'spec':{'type':'Magic'}}", "spec.type", "Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"" },
        { "/Service", "{'spec':{'ports':[{'port':80,'nodePort':30080}]}}", "spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'" },
        { "/Service", "{'spec':{'type':'ExternalName','ports':null}}", "spec.externalName", "Required value" },
        { "/Service", "{'spec':{'sessionAffinity':'Cookie'}}", "spec.sessionAffinity", "Unsupported value: \"Cookie\": supported values: \"ClientIP\", \"None\"" },
        // ConfigMap and Secret
        { "/ConfigMap", "{'data':{'a b':'x'}}", "data[a b]", "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')" },
        { "/ConfigMap", "{'binaryData':{'a.conf':'eA=='}}", "binaryData[a.conf]", "Invalid value: \"a.conf\": duplicate of key present in data" },
        { "/Secret", "{'data':{'k':'not base64!'}}", "data[k]", "Invalid value: \"<secret contents redacted>\": must be base64-encoded" },
        { "/Secret", "{'stringData':{'bad/key':'v'}}", "data[bad/key]", "Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')" },
        { "/Secret", "{'type':'kubernetes.io/tls','data':{'tls.crt':'eA=='}}", "data[tls.key]", "Required value" },
        { "/Secret", "{'type':'kubernetes.io/dockerconfigjson'}", "data[.dockerconfigjson]", "Required value" },
        { "/PersistentVolumeClaim", "{'spec':{'accessModes':[]}}", "spec.accessModes", "Required value: at least 1 access mode is required" },
        { "/PersistentVolumeClaim", "{'spec':{'resources':null}}", "spec.resources[storage]", "Required value" },
        { "/PersistentVolumeClaim", "{'spec':{'accessModes':['ReadWriteSometimes']}}", "spec.accessModes", "Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"" },
        // Networking
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'/','backend':{'service':{'name':'web','port':{'number':80}}}}]}}]}}", "spec.rules[0].http.paths[0].pathType", "Required value: pathType must be specified" },
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'api','pathType':'Prefix','backend':{'service':{'name':'web','port':{'number':80}}}}]}}]}}", "spec.rules[0].http.paths[0].path", "Invalid value: \"api\": must be an absolute path" },
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'/','pathType':'Regex','backend':{'service':{'name':'web','port':{'number':80}}}}]}}]}}", "spec.rules[0].http.paths[0].pathType", "Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"" },
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'/','pathType':'Exact','backend':{'service':{'port':{'number':80}}}}]}}]}}", "spec.rules[0].http.paths[0].backend.service.name", "Required value" },
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'/','pathType':'Exact','backend':{'service':{'name':'web'}}}]}}]}}", "spec.rules[0].http.paths[0].backend", "Required value: port name or number is required" },
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'/','pathType':'Exact','backend':{'service':{'name':'web','port':{'name':'http','number':80}}}}]}}]}}", "spec.rules[0].http.paths[0].backend", "Invalid value: \"\": cannot set both port name & port number" },
        { "networking.k8s.io/Ingress", "{'spec':{'rules':[{'http':{'paths':[{'path':'/','pathType':'Exact'}]}}]}}", "spec.rules[0].http.paths[0].backend", "Invalid value: \"\": resource or service backend is required" },
        { "networking.k8s.io/IngressClass", "{'spec':{'controller':null}}", "spec.controller", "Required value" },
        // The rest
        { "coordination.k8s.io/Lease", "{'spec':{'leaseDurationSeconds':0}}", "spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0" },
        { "/Event", "{'involvedObject':null}", "involvedObject", "Required value" },
        { "/Event", "{'involvedObject':{'namespace':'other'}}", "involvedObject.namespace", "Invalid value: \"other\": does not match event.namespace" },
        { "scheduling.k8s.io/PriorityClass", "{'value':2000000000}", "value", "Forbidden: maximum allowed value of a user defined priority is 1000000000" },
        { "scheduling.k8s.io/PriorityClass", "{'metadata':{'name':'system-mine'}}", "metadata.name", "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class" },
        { "policy/PodDisruptionBudget", "{'spec':{'minAvailable':null,'maxUnavailable':'120%'}}", "spec.maxUnavailable", "Invalid value: \"120%\": must not be greater than 100%" },
        { "/Node", "{'spec':{'podCIDR':'10.244.1.0/33'}}", "spec.podCIDRs[0]", "Invalid value: \"10.244.1.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)" },
        { "discovery.k8s.io/EndpointSlice", "{'addressType':'IPv5'}", "addressType", "Unsupported value: \"IPv5\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"" },
        { "rbac.authorization.k8s.io/Role", "{'rules':[{'apiGroups':[''],'resources':['pods'],'verbs':[]}]}", "rules[0].verbs", "Required value: verbs must contain at least one value" },
        { "rbac.authorization.k8s.io/RoleBinding", "{'roleRef':null}", "roleRef", "Required value" },
        { "rbac.authorization.k8s.io/RoleBinding", "{'roleRef':{'name':null}}", "roleRef.name", "Required value" },
        { "rbac.authorization.k8s.io/ClusterRoleBinding", "{'roleRef':{'kind':'Role'}}", "roleRef.kind", "Unsupported value: \"Role\": supported values: \"ClusterRole\"" },
        { "rbac.authorization.k8s.io/ClusterRoleBinding", "{'subjects':[{'kind':'ServiceAccount','name':'sa'}]}", "subjects[0].namespace", "Required value" },
    };

    [Fact]
    public void StatefulSetContainersMayMountTheirClaimTemplates()
    {
        var set = StrategyFixtures.Build("apps/StatefulSet",
            "{'spec':{'volumeClaimTemplates':[{'metadata':{'name':'data'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}]," +
            "'template':{'spec':{'containers':[{'name':'web','image':'x','volumeMounts':[{'name':'data','mountPath':'/data'}]}]}}}}");
        Assert.Empty(StrategyFixtures.Check("apps/StatefulSet", set));
    }

    [Theory]
    [MemberData(nameof(CreateCases))]
    public void CreateReportsOneCause(string kind, string patch, string field, string message)
    {
        var cause = Assert.Single(StrategyFixtures.Check(kind, StrategyFixtures.Build(kind, patch)));
        Assert.Equal((field, message), (cause.Field, cause.Message));
    }

    /// <summary>Rows: kind, patch making the stored object, patch making the update, field, message.</summary>
    public static TheoryData<string, string, string, string, string> UpdateCases => new()
    {
        { "/Pod", "{}", "{'spec':{'containers':[{'name':'web','image':'nginx:1.27','env':[{'name':'A','value':'1'}]}]}}", "spec", "Forbidden: " + Timonel.Api.Strategies.PodStrategy.UpdatableFieldsMessage },
        { "/Pod", "{'spec':{'tolerations':[{'key':'a','operator':'Exists'}]}}", "{'spec':{'tolerations':[]}}", "spec", "Forbidden: " + Timonel.Api.Strategies.PodStrategy.UpdatableFieldsMessage },
        { "apps/Deployment", "{}", "{'spec':{'selector':{'matchLabels':{'app':'web','tier':'x'}},'template':{'metadata':{'labels':{'app':'web','tier':'x'}}}}}", "spec.selector", "Invalid value: {\"matchLabels\":{\"app\":\"web\",\"tier\":\"x\"}}: field is immutable" },
        { "apps/StatefulSet", "{}", "{'spec':{'serviceName':'other'}}", "spec", "Forbidden: " + Timonel.Api.Strategies.StatefulSetStrategy.UpdatableFieldsMessage },
        { "/ConfigMap", "{'immutable':true}", "{'immutable':true,'data':{'a.conf':'y'}}", "data", "Forbidden: field is immutable when `immutable` is set" },
        { "/Secret", "{'immutable':true}", "{'immutable':false}", "immutable", "Forbidden: field is immutable when `immutable` is set" },
        { "rbac.authorization.k8s.io/RoleBinding", "{}", "{'roleRef':{'name':'other'}}", "roleRef", "Invalid value: {\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"other\"}: cannot change roleRef" },
        { "scheduling.k8s.io/PriorityClass", "{}", "{'value':5}", "Value", "Forbidden: may not be changed in an update." },
        { "discovery.k8s.io/EndpointSlice", "{}", "{'addressType':'IPv6'}", "addressType", "Invalid value: \"IPv6\": field is immutable" },
        { "/Node", "{}", "{'spec':{'podCIDR':'10.244.2.0/24','podCIDRs':['10.244.2.0/24']}}", "spec.podCIDRs", "Forbidden: node updates may not change podCIDR except from \"\" to valid" },
    };

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void JobTemplateIsFixedUnlessSuspended(bool suspended, bool rejected)
    {
        var old = StrategyFixtures.Defaulted("batch/Job", suspended ? "{'spec':{'suspend':true}}" : "{}");
        var updated = (System.Text.Json.Nodes.JsonObject)old.DeepClone();
        updated["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "perl:6";
        var causes = StrategyFixtures.Check("batch/Job", updated, old);
        Assert.Equal(rejected, causes.Any(c => c.Field == "spec.template" && c.Message.StartsWith("Invalid value: {", StringComparison.Ordinal) && c.Message.Contains("\"image\":\"perl:6\"", StringComparison.Ordinal) && c.Message.EndsWith("}: field is immutable", StringComparison.Ordinal)));
        Assert.Equal(rejected ? 1 : 0, causes.Count);
    }

    [Theory]
    [MemberData(nameof(UpdateCases))]
    public void UpdateReportsOneCause(string kind, string oldPatch, string newPatch, string field, string message)
    {
        var old = StrategyFixtures.Defaulted(kind, oldPatch);
        var updated = (System.Text.Json.Nodes.JsonObject)old.DeepClone();
        StrategyFixtures.Merge(updated, StrategyFixtures.Parse(newPatch));
        var cause = Assert.Single(StrategyFixtures.Check(kind, updated, old));
        Assert.Equal((field, message), (cause.Field, cause.Message));
    }
}

public static class ValidKinds
{
    public static TheoryData<string> Kinds
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var k in StrategyFixtures.Kinds) data.Add(k);
            return data;
        }
    }
}
