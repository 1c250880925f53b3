namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// One namespace of workloads shared by every test of a class on the shared cluster: set up by the
/// first test that asks (<see cref="ReadyAsync"/>; xUnit 2 class fixtures cannot take the collection
/// fixture in their constructor), and deleted, waiting until it is gone so that the next class may
/// reuse a name, once the class is done. A setup that failed fails every test of the class with its error.
/// </summary>
public abstract class NamespaceFixture(string ns) : IAsyncLifetime
{
    private readonly Lock _gate = new();
    private Task? _setup;
    private LocalCluster? _cluster;

    public string Namespace { get; } = ns;

    /// <summary>The cluster set up by <see cref="ReadyAsync"/>.</summary>
    protected LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("ReadyAsync was not called");

    /// <summary>Creates the namespace and runs <see cref="SetUpAsync"/> once, on the first call.</summary>
    public Task ReadyAsync(LocalCluster cluster)
    {
        lock (_gate)
        {
            _cluster ??= cluster;
            return _setup ??= CreateAsync();
        }
    }

    private async Task CreateAsync()
    {
        await Cluster.KubectlOk("create", "namespace", Namespace);
        await SetUpAsync();
    }

    /// <summary>Applies the class's workloads and waits until they serve.</summary>
    protected abstract Task SetUpAsync();

    /// <summary>`kubectl apply -f FILE -n Namespace` of a manifest (through a temp file, removed after).</summary>
    public async Task ApplyAsync(string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"timonel-e2e-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            await Cluster.KubectlOk("apply", "-n", Namespace, "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>`kubectl wait` until every pod with <paramref name="selector"/> is Ready.</summary>
    protected async Task PodsReadyAsync(string selector)
    {
        var wait = await Cluster.Kubectl("wait", "-n", Namespace, "pod", "-l", selector, "--for=condition=Ready", "--timeout=120s");
        if (wait.ExitCode != 0)
        {
            var pods = await Cluster.Kubectl("get", "pods", "-n", Namespace, "-o", "wide");
            throw new TimeoutException($"pods {selector} not Ready: {wait.Output}\n{pods.Output}");
        }
    }

    /// <summary>Pod name to the node it runs on, for pods with <paramref name="selector"/>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> PodNodesAsync(string selector)
    {
        var rows = await Cluster.KubectlOk("get", "pods", "-n", Namespace, "-l", selector, "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{\"\\n\"}{end}");
        return rows.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(row => row.Split(' '))
            .ToDictionary(cols => cols[0], cols => cols[1]);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.Kubectl("delete", "namespace", Namespace, "--wait=true", "--timeout=90s");
        }
    }
}
