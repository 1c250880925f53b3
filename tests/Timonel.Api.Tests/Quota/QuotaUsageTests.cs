using k8s;
using k8s.Models;
using Timonel.Api.Quota;

namespace Timonel.Api.Tests.Quota;

/// <summary>What objects count against a ResourceQuota, by upstream's quota names.</summary>
public sealed class QuotaUsageTests
{
    private static T Parse<T>(string json) => KubernetesJson.Deserialize<T>(json.Replace('\'', '"'));

    private static string Show(Dictionary<string, decimal> usage) =>
        string.Join(",", usage.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Key}={QuotaUsage.Format(u.Key, u.Value)}"));

    [Fact]
    public void A_pod_counts_itself_and_its_requests_and_limits_with_init_containers_as_upstream()
    {
        var pod = Parse<V1Pod>("""
            {'spec':{
              'initContainers':[
                {'name':'setup','image':'x','resources':{'requests':{'cpu':'2'}}},
                {'name':'sidecar','image':'x','restartPolicy':'Always','resources':{'requests':{'cpu':'100m','memory':'64Mi'}}}],
              'containers':[
                {'name':'a','image':'x','resources':{'requests':{'cpu':'250m','memory':'128Mi'},'limits':{'memory':'256Mi'}}},
                {'name':'b','image':'x','resources':{'requests':{'cpu':'250m'}}}]},
             'status':{'phase':'Running'}}
            """);
        // cpu: containers 500m + sidecar 100m = 600m, but the setup step alone needs 2.
        Assert.Equal("count/pods=1,cpu=2,limits.memory=256Mi,memory=192Mi,pods=1,requests.cpu=2,requests.memory=192Mi",
            Show(QuotaUsage.Of("", "pods", pod)));
    }

    [Fact]
    public void A_finished_pod_counts_for_nothing()
    {
        Assert.Empty(QuotaUsage.Of("", "pods", Parse<V1Pod>("{'spec':{'containers':[]},'status':{'phase':'Succeeded'}}")));
    }

    [Fact]
    public void Services_claims_and_other_kinds_count_what_upstream_counts()
    {
        Assert.Equal("count/services=1,services=1,services.loadbalancers=1,services.nodeports=2",
            Show(QuotaUsage.Of("", "services", Parse<V1Service>("{'spec':{'type':'LoadBalancer','ports':[{'port':80},{'port':443}]}}"))));
        Assert.Equal("count/persistentvolumeclaims=1,persistentvolumeclaims=1,requests.storage=5Gi",
            Show(QuotaUsage.Of("", "persistentvolumeclaims", Parse<V1PersistentVolumeClaim>("{'spec':{'resources':{'requests':{'storage':'5Gi'}}}}"))));
        Assert.Equal("count/deployments.apps=1", Show(QuotaUsage.Of("apps", "deployments", new object())));
    }

    [Fact]
    public void Limited_compute_resources_a_container_leaves_unset_are_named()
    {
        var pod = Parse<V1Pod>("{'spec':{'containers':[{'name':'a','image':'x','resources':{'requests':{'cpu':'1'}}},{'name':'b','image':'x'}]}}");
        Assert.Equal(["limits.memory", "requests.cpu"], QuotaUsage.Unspecified(pod, ["pods", "requests.cpu", "limits.memory"]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("['BestEffort']", "{}", true)]
    [InlineData("['NotBestEffort']", "{}", false)]
    [InlineData("['Terminating']", "{'activeDeadlineSeconds':30}", true)]
    [InlineData("['NotTerminating','BestEffort']", "{'activeDeadlineSeconds':30}", false)]
    public void Scoped_quotas_take_in_only_their_pods(string scopes, string spec, bool inScope)
    {
        var quota = Parse<V1ResourceQuota>("{'spec':{'hard':{'pods':'1'},'scopes':" + scopes + "}}");
        var pod = Parse<V1Pod>("{'spec':" + spec.TrimEnd('}') + (spec == "{}" ? "" : ",") + "'containers':[{'name':'a','image':'x'}]}}");
        Assert.Equal(inScope, QuotaUsage.InScope(quota, pod));
        Assert.False(QuotaUsage.InScope(quota, new object()));
    }
}
