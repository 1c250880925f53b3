using System.Text.Json.Nodes;
using Timonel.Api.Strategies;

namespace Timonel.Api.Tests.Strategies;

/// <summary>A namespace's LimitRanges completing and bounding a new pod's resources, as upstream's LimitRanger.</summary>
public sealed class LimitRangerTests
{
    private static JsonObject Pod(string containers) => StrategyFixtures.Defaulted("/Pod",
        "{'metadata':{'name':'p'},'spec':{'containers':" + containers + "}}");

    private static List<JsonObject> Items(string limits)
    {
        var range = StrategyFixtures.Defaulted("/LimitRange", "{'metadata':{'name':'lr','namespace':'default'},'spec':{'limits':" + limits + "}}");
        return range["spec"]!["limits"]!.AsArray().OfType<JsonObject>().ToList();
    }

    private static string Resources(JsonObject pod, int container) =>
        pod["spec"]!["containers"]![container]!["resources"]!.ToJsonString();

    [Fact]
    public void Containers_get_the_defaults_they_do_not_set_and_the_pod_says_so()
    {
        var pod = Pod("[{'name':'a','image':'x'},{'name':'b','image':'x','resources':{'limits':{'cpu':'2'}}}]");
        var items = Items("[{'type':'Container','default':{'cpu':'500m','memory':'128Mi'},'defaultRequest':{'cpu':'100m'}}]");

        Assert.Null(LimitRanger.Admit(pod, items));

        Assert.Equal("""{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}""", Resources(pod, 0));
        // b's own cpu limit (and the request defaulted from it) stay; only memory is added.
        Assert.Equal("""{"limits":{"cpu":"2","memory":"128Mi"},"requests":{"cpu":"2","memory":"128Mi"}}""", Resources(pod, 1));
        Assert.Equal("LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; memory limit for container b",
            pod["metadata"]!["annotations"]![LimitRanger.Annotation]!.GetValue<string>());
        Assert.Equal("Burstable", pod["status"]!["qosClass"]!.GetValue<string>());
    }

    [Fact]
    public void The_qos_class_follows_the_completed_resources()
    {
        var pod = Pod("[{'name':'a','image':'x'}]");
        Assert.Equal("BestEffort", pod["status"]!["qosClass"]!.GetValue<string>());
        Assert.Null(LimitRanger.Admit(pod, Items("[{'type':'Container','default':{'cpu':'1','memory':'1Gi'}}]")));
        Assert.Equal("Guaranteed", pod["status"]!["qosClass"]!.GetValue<string>());
    }

    [Fact]
    public void The_limit_range_defaults_its_default_from_max_and_its_request_from_the_default()
    {
        var item = Assert.Single(Items("[{'type':'Container','max':{'cpu':'1'},'min':{'memory':'32Mi'}}]"));
        Assert.Equal("""{"type":"Container","max":{"cpu":"1"},"min":{"memory":"32Mi"},"default":{"cpu":"1"},"defaultRequest":{"cpu":"1","memory":"32Mi"}}""", item.ToJsonString());
    }

    [Theory]
    [InlineData("[{'type':'Container','max':{'cpu':'1'}}]", "{'limits':{'cpu':'2'}}", 1, "maximum cpu usage per Container is 1, but limit is 2")]
    [InlineData("[{'type':'Container','min':{'memory':'64Mi'}}]", "{'requests':{'memory':'32Mi'}}", 1, "minimum memory usage per Container is 64Mi, but request is 32Mi")]
    [InlineData("[{'type':'Pod','max':{'cpu':'1'}}]", "{'limits':{'cpu':'600m'}}", 2, "maximum cpu usage per Pod is 1, but limit is 1200m")]
    [InlineData("[{'type':'Pod','max':{'memory':'1Gi'}}]", "{}", 2, "maximum memory usage per Pod is 1Gi.  No limit is specified")]
    [InlineData("[{'type':'Container','max':{'cpu':'1'}},{'type':'Pod','max':{'cpu':'1'}}]", "{'limits':{'cpu':'2'}}", 2,
        "[maximum cpu usage per Container is 1, but limit is 2, maximum cpu usage per Container is 1, but limit is 2, maximum cpu usage per Pod is 1, but limit is 4]")]
    public void A_pod_out_of_bounds_gets_upstreams_words(string limits, string resources, int containers, string expected)
    {
        var list = string.Join(",", Enumerable.Range(0, containers).Select(i => "{'name':'c" + i + "','image':'x','resources':" + resources + "}"));
        Assert.Equal(expected, LimitRanger.Admit(Pod("[" + list + "]"), Items(limits)));
    }

    [Theory]
    [InlineData("1Gi", "minimum storage usage per PersistentVolumeClaim is 2Gi, but request is 1Gi")]
    [InlineData("20Gi", "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi")]
    [InlineData("5Gi", null)]
    public void A_claims_storage_request_must_lie_within_the_claim_items_bounds(string request, string? expected)
    {
        var claim = StrategyFixtures.Defaulted("/PersistentVolumeClaim", "{'spec':{'resources':{'requests':{'storage':'" + request + "'}}}}");
        Assert.Equal(expected, LimitRanger.AdmitClaim(claim, Items("[{'type':'PersistentVolumeClaim','min':{'storage':'2Gi'},'max':{'storage':'10Gi'}},{'type':'Container','max':{'cpu':'1'}}]")));
    }

    [Fact]
    public void No_limit_range_changes_nothing()
    {
        var pod = Pod("[{'name':'a','image':'x'}]");
        var before = pod.ToJsonString();
        Assert.Null(LimitRanger.Admit(pod, []));
        Assert.Equal(before, pod.ToJsonString());
    }
}
