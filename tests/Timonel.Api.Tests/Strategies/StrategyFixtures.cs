using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Strategies;

namespace Timonel.Api.Tests.Strategies;

/// <summary>Valid objects per kind, and the create/update path the server runs: default, then validate.</summary>
internal static class StrategyFixtures
{
    private const string Template =
        "{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web','image':'nginx:1.27'}]}}";

    private static readonly Dictionary<string, string> Valid = new()
    {
        ["/Pod"] = "{'metadata':{'name':'p','namespace':'default','uid':'u-1'},'spec':{'containers':[{'name':'web','image':'nginx:1.27'}]}}",
        ["apps/Deployment"] = "{'metadata':{'name':'web','namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'web'}},'template':" + Template + "}}",
        ["apps/ReplicaSet"] = "{'metadata':{'name':'web','namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'web'}},'template':" + Template + "}}",
        ["apps/DaemonSet"] = "{'metadata':{'name':'web','namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'web'}},'template':" + Template + "}}",
        ["apps/StatefulSet"] = "{'metadata':{'name':'web','namespace':'default'},'spec':{'serviceName':'web','selector':{'matchLabels':{'app':'web'}},'template':" + Template + "}}",
        ["/ReplicationController"] = "{'metadata':{'name':'web','namespace':'default'},'spec':{'template':" + Template + "}}",
        ["batch/Job"] = "{'metadata':{'name':'pi','namespace':'default','uid':'job-uid'},'spec':{'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'pi','image':'perl:5'}]}}}}",
        ["batch/CronJob"] = "{'metadata':{'name':'tick','namespace':'default'},'spec':{'schedule':'*/5 * * * *','jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'OnFailure','containers':[{'name':'c','image':'busybox:1.36'}]}}}}}}",
        ["/Service"] = "{'metadata':{'name':'web','namespace':'default'},'spec':{'selector':{'app':'web'},'ports':[{'port':80}]}}",
        ["/ConfigMap"] = "{'metadata':{'name':'cfg','namespace':'default'},'data':{'a.conf':'x'}}",
        ["/Secret"] = "{'metadata':{'name':'s','namespace':'default'},'data':{'k':'dmFsdWU='}}",
        ["networking.k8s.io/Ingress"] = "{'metadata':{'name':'i','namespace':'default'},'spec':{'rules':[{'host':'a.example.com','http':{'paths':[{'path':'/','pathType':'Prefix','backend':{'service':{'name':'web','port':{'number':80}}}}]}}]}}",
        ["networking.k8s.io/IngressClass"] = "{'metadata':{'name':'nginx'},'spec':{'controller':'k8s.io/ingress-nginx'}}",
        ["coordination.k8s.io/Lease"] = "{'metadata':{'name':'l','namespace':'default'},'spec':{'holderIdentity':'a','leaseDurationSeconds':15}}",
        ["/Event"] = "{'metadata':{'name':'e','namespace':'default'},'involvedObject':{'kind':'Pod','name':'p','namespace':'default'},'reason':'Started','type':'Normal'}",
        ["scheduling.k8s.io/PriorityClass"] = "{'metadata':{'name':'high'},'value':1000}",
        ["policy/PodDisruptionBudget"] = "{'metadata':{'name':'pdb','namespace':'default'},'spec':{'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}}}",
        ["/LimitRange"] = "{'metadata':{'name':'lr','namespace':'default'},'spec':{'limits':[{'type':'Container','default':{'cpu':'500m'}}]}}",
        ["/PersistentVolumeClaim"] = "{'metadata':{'name':'data','namespace':'default'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}",
        ["/Node"] = "{'metadata':{'name':'n1'},'spec':{'podCIDR':'10.244.1.0/24'}}",
        ["discovery.k8s.io/EndpointSlice"] = "{'metadata':{'name':'web-abc','namespace':'default'},'addressType':'IPv4','endpoints':[{'addresses':['10.0.0.1']}],'ports':[{'port':80}]}",
        ["rbac.authorization.k8s.io/Role"] = "{'metadata':{'name':'r','namespace':'default'},'rules':[{'apiGroups':[''],'resources':['pods'],'verbs':['get']}]}",
        ["rbac.authorization.k8s.io/RoleBinding"] = "{'metadata':{'name':'rb','namespace':'default'},'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'Role','name':'r'},'subjects':[{'kind':'User','name':'alice'}]}",
        ["rbac.authorization.k8s.io/ClusterRoleBinding"] = "{'metadata':{'name':'crb'},'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':'view'},'subjects':[{'kind':'ServiceAccount','name':'sa','namespace':'default'}]}",
    };

    public static IEnumerable<string> Kinds => Valid.Keys;

    /// <summary>JSON written with single quotes, for readable test tables.</summary>
    public static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json.Replace('\'', '"'))!;

    public static IKindStrategy StrategyFor(string groupKind)
    {
        var slash = groupKind.IndexOf('/');
        return KindStrategies.For(groupKind[..slash], groupKind[(slash + 1)..])
            ?? throw new InvalidOperationException($"no strategy registered for {groupKind}");
    }

    /// <summary>The valid object of the kind with a JSON merge patch applied.</summary>
    public static JsonObject Build(string groupKind, string patch = "{}")
    {
        var obj = Parse(Valid[groupKind]);
        Merge(obj, Parse(patch));
        return obj;
    }

    public static JsonObject Defaulted(string groupKind, string patch = "{}")
    {
        var obj = Build(groupKind, patch);
        StrategyFor(groupKind).Default(obj);
        return obj;
    }

    /// <summary>Create: default, then validate with no old object. Update: the same with the stored object.</summary>
    public static IReadOnlyList<ErrorCause> Check(string groupKind, JsonObject obj, JsonObject? old = null)
    {
        var strategy = StrategyFor(groupKind);
        strategy.Default(obj);
        return strategy.Validate(obj, old);
    }

    public static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null) target.Remove(key);
            else if (value is JsonObject p && target[key] is JsonObject t) Merge(t, p);
            else target[key] = value.DeepClone();
        }
    }
}
