using System.Globalization;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Scheduler.E2E.Tests;

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<Cluster>
{
    public const string Name = "cluster";
}

/// <summary>
/// One `timonel server` (scheduler inside) shared by every test of the collection; the tests run
/// one after another. Each test brings its own simulated nodes (<see cref="AddNodesAsync"/>) and
/// removes them when done, so the scheduler sees only that test's nodes; pods live in a namespace
/// of their own.
/// </summary>
public sealed class Cluster : IAsyncLifetime
{
    private int _namespaces;

    public ServerProcess Server { get; private set; } = null!;
    public ApiConnection Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartNewAsync();
        Api = ApiConnection.FromKubeconfig(Server.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces).ToString(CultureInfo.InvariantCulture)}";
        (await Api.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } })).Require();
        return name;
    }

    /// <summary>Starts an agent with <paramref name="count"/> nodes and returns once all are registered.</summary>
    public async Task<NodeGroup> AddNodesAsync(string prefix, int count, string cpu = "4", string memory = "32Gi", int maxPods = 110)
    {
        var agent = AgentProcess.Start(Server, prefix, count, cpu, memory, maxPods);
        var group = new NodeGroup(this, agent);
        try
        {
            foreach (var name in agent.NodeNames)
            {
                await Eventually.WaitAsync(async () => (await Api.GetAsync<V1Node>(null, name)).Ok,
                    () => $"node {name} was not registered; agent output:\n{agent.Output}\nserver output tail:\n{Tail(Server.Output)}");
            }
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    public async Task PatchNodeAsync(string name, string mergePatch) =>
        (await Api.PatchAsync<V1Node>(null, name, PatchType.Merge, mergePatch)).Require();

    public async Task<V1Pod> CreatePodAsync(V1Pod pod) => (await Api.CreateAsync(pod)).Require();

    /// <summary>Waits until the pod has spec.nodeName and returns it.</summary>
    public async Task<string> WaitBoundAsync(string ns, string name)
    {
        string? node = null;
        await Eventually.WaitAsync(async () =>
        {
            node = (await Api.GetAsync<V1Pod>(ns, name)).Require().Spec.NodeName;
            return node is not null;
        }, () => $"pod {ns}/{name} was not bound; server output tail:\n{Tail(Server.Output)}");
        return node!;
    }

    public async Task<Dictionary<string, string>> WaitAllBoundAsync(string ns, IEnumerable<string> names)
    {
        var placement = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            placement[name] = await WaitBoundAsync(ns, name);
        }
        return placement;
    }

    /// <summary>Waits for the PodScheduled=False condition the scheduler writes and returns it.</summary>
    public async Task<V1PodCondition> WaitUnschedulableAsync(string ns, string name)
    {
        V1PodCondition? condition = null;
        await Eventually.WaitAsync(async () =>
        {
            var pod = (await Api.GetAsync<V1Pod>(ns, name)).Require();
            condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
            return condition is not null;
        }, () => $"pod {ns}/{name} got no PodScheduled=False condition; server output tail:\n{Tail(Server.Output)}");
        return condition!;
    }

    /// <summary>The events of one object, in the order the API lists them.</summary>
    public async Task<List<Corev1Event>> EventsOfAsync(string ns, string name) =>
        (await Api.ListAsync<Corev1Event>(ns)).Require().Items.Where(e => e.InvolvedObject?.Name == name).ToList();

    public async Task<Corev1Event> WaitEventAsync(string ns, string name, string reason)
    {
        Corev1Event? found = null;
        await Eventually.WaitAsync(async () =>
        {
            found = (await EventsOfAsync(ns, name)).FirstOrDefault(e => e.Reason == reason);
            return found is not null;
        }, () => $"no {reason} event for {ns}/{name}");
        return found!;
    }

    internal static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}

/// <summary>The nodes of one agent; Dispose kills the agent and deletes its Node objects.</summary>
public sealed class NodeGroup(Cluster cluster, AgentProcess agent) : IAsyncDisposable
{
    public IReadOnlyList<string> Names => agent.NodeNames;
    public string this[int index] => agent.NodeNames[index];

    public async ValueTask DisposeAsync()
    {
        agent.Dispose();
        foreach (var name in agent.NodeNames)
        {
            await cluster.Api.DeleteAsync<V1Node>(null, name);
        }
    }
}
