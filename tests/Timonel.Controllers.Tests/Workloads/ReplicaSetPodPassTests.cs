using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Informers;
using Timonel.Controllers.ReplicaSets;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Tests.Workloads;

/// <summary>
/// The ReplicaSet sync's single pass over its pods (controller-uid index, active filter, claim,
/// status counts) without a server. Adoption and release writes are covered by ReplicaSetTests;
/// here no candidate needs a write (adoption is refused by the owner check), so no API is given.
/// </summary>
public sealed class ReplicaSetPodPassTests
{
    private const string Ns = "ns";
    private const string Uid = "rs-uid";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Selected = new() { ["app"] = "web" };
    private static readonly Dictionary<string, string> Template = new() { ["app"] = "web", ["tier"] = "front" };

    /// <summary>name, controller uid (null: orphan), namespace, labels, phase, deleting, Ready status, seconds since Ready.</summary>
    public static TheoryData<string, string?, string, Dictionary<string, string>, string, bool, string?, int?> Rows => new()
    {
        { "ready-long", Uid, Ns, Template, "Running", false, "True", 60 },
        { "ready-recently", Uid, Ns, Template, "Running", false, "True", 10 },
        { "ready-no-transition-time", Uid, Ns, Template, "Running", false, "True", null },
        { "not-ready", Uid, Ns, Template, "Running", false, "False", 60 },
        { "no-ready-condition", Uid, Ns, Template, "Pending", false, null, null },
        { "missing-template-label", Uid, Ns, Selected, "Running", false, "True", 60 },
        { "terminating", Uid, Ns, Template, "Running", true, "True", 60 },
        { "succeeded", Uid, Ns, Template, "Succeeded", false, "False", 60 },
        { "failed", Uid, Ns, Template, "Failed", false, "False", 60 },
        { "other-controller", "other-uid", Ns, Template, "Running", false, "True", 60 },
        { "our-uid-other-namespace", Uid, "elsewhere", Template, "Running", false, "True", 60 },
        { "orphan-matching", null, Ns, Template, "Running", false, "True", 60 },
        { "orphan-not-matching", null, Ns, new() { ["app"] = "db" }, "Running", false, "True", 60 },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_pod_is_claimed_and_counted_as_the_claim_rules_and_status_fields_say(
        string name, string? controller, string ns, Dictionary<string, string> labels, string phase, bool deleting, string? ready, int? readyFor)
    {
        var pod = Pod(name, controller, ns, labels, phase, deleting, ready, readyFor);
        // Expected, from the rules: only active pods of our namespace that we control and that match count.
        var claimed = controller == Uid && ns == Ns && !deleting && phase is not ("Succeeded" or "Failed");
        var isReady = claimed && ready == "True";
        var fullyLabeled = claimed && labels.Count == Template.Count;
        foreach (var minReady in new[] { 0, 30 })
        {
            var adoptionChecks = 0;
            var (pods, counts, error) = await ClaimAsync(minReady, [pod], () => adoptionChecks++);
            Assert.Null(error);
            string[] expected = claimed ? [name] : [];
            Assert.Equal(expected, pods.Select(p => p.Metadata.Name));
            Assert.Equal(claimed ? 1 : 0, counts.Replicas);
            Assert.Equal(isReady ? 1 : 0, counts.Ready);
            Assert.Equal(fullyLabeled ? 1 : 0, counts.FullyLabeled);
            var available = isReady && (minReady == 0 || readyFor > minReady);
            Assert.Equal(available ? 1 : 0, counts.Available(Now));
            // Only a matching orphan of our namespace is an adoption candidate (refused here).
            Assert.Equal(name == "orphan-matching" ? 1 : 0, adoptionChecks);
        }
    }

    [Fact]
    public async Task All_rows_together_give_the_status_the_calculator_gives_for_the_claimed_list()
    {
        var all = Rows.Select(r => Pod((string)r[0], (string?)r[1], (string)r[2], (Dictionary<string, string>)r[3],
            (string)r[4], (bool)r[5], (string?)r[6], (int?)r[7])).ToList();
        var adoptionChecks = 0;
        var (pods, counts, _) = await ClaimAsync(30, all, () => adoptionChecks++);
        var rs = ReplicaSet(30);

        var fromCounts = ReplicaSetStatusCalculator.Calculate(rs, counts, null, Now);
        var fromList = ReplicaSetStatusCalculator.Calculate(rs, pods, null, Now);

        string[] expected = ["ready-long", "ready-recently", "ready-no-transition-time", "not-ready", "no-ready-condition", "missing-template-label"];
        Assert.Equal(expected, pods.Select(p => p.Metadata.Name));
        Assert.Equal((6, 5, 4, 2), (fromCounts.Replicas, fromCounts.FullyLabeledReplicas, fromCounts.ReadyReplicas, fromCounts.AvailableReplicas));
        Assert.True(ReplicaSetStatusCalculator.SameStatus(fromList, fromCounts));
        Assert.Equal(1, adoptionChecks);
    }

    [Fact]
    public void The_index_puts_a_pod_under_its_controller_uid_or_its_namespace_orphan_key()
    {
        Assert.Equal([Uid], PodControllerIndex.Values(Pod("a", Uid, Ns, Template, "Running", false, null, null)));
        Assert.Equal([PodControllerIndex.OrphanKey(Ns)], PodControllerIndex.Values(Pod("b", null, Ns, Template, "Running", false, null, null)));
        Assert.NotEqual(PodControllerIndex.OrphanKey("a"), PodControllerIndex.OrphanKey("b"));
    }

    private static async Task<(List<V1Pod> Pods, ReplicaSetPodCounts Counts, string? Error)> ClaimAsync(int minReady, List<V1Pod> pods, Action onAdoptionCheck)
    {
        var rs = ReplicaSet(minReady);
        return await ReplicaSetController.ClaimPodsAsync(null!, new IndexedPods(pods), rs, LabelSelector.FromModel(rs.Spec.Selector),
            () =>
            {
                onAdoptionCheck();
                return Task.FromResult(false);
            }, CancellationToken.None);
    }

    private static V1ReplicaSet ReplicaSet(int minReady) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = Ns, Uid = Uid, Generation = 3 },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = 3,
            MinReadySeconds = minReady,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(Selected) },
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(Template) } },
        },
    };

    private static V1Pod Pod(string name, string? controller, string ns, Dictionary<string, string> labels, string phase, bool deleting, string? ready, int? readyFor) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>(labels),
            DeletionTimestamp = deleting ? Now.UtcDateTime : null,
            OwnerReferences = controller is null ? null :
            [
                new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "not-a-controller", Uid = "cm-uid" },
                new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "x", Uid = controller, Controller = true },
            ],
        },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = ready is null ? null :
            [
                new V1PodCondition { Type = "Initialized", Status = "True" },
                new V1PodCondition { Type = "Ready", Status = ready, LastTransitionTime = readyFor is { } s ? Now.UtcDateTime.AddSeconds(-s) : null },
            ],
        },
    };

    /// <summary>A lister answering the controller-uid index as the informer cache would, by applying the index function.</summary>
    private sealed class IndexedPods(List<V1Pod> pods) : ILister<V1Pod>
    {
        public V1Pod? Get(string? ns, string name) => pods.FirstOrDefault(p => p.Metadata.NamespaceProperty == ns && p.Metadata.Name == name);

        public IReadOnlyList<V1Pod> List(string? ns = null, LabelSelector? selector = null) =>
            pods.Where(p => (ns is null || p.Metadata.NamespaceProperty == ns) && (selector is null || selector.Matches(p.Metadata.Labels))).ToList();

        public IReadOnlyList<V1Pod> ByIndex(string indexName, string value) =>
            indexName == PodControllerIndex.Name
                ? pods.Where(p => PodControllerIndex.Values(p).Contains(value)).ToList()
                : throw new ArgumentException("no index " + indexName, nameof(indexName));
    }
}
