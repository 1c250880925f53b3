using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Events;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Pods;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// A node for pod worker tests: a <see cref="ContainerdNode"/> (netns, own containerd, project
/// images), a real `timonel server` without scheduler and controllers (pods name their node), a
/// Node object, and <see cref="PodWorkers"/> with the test seams. The workers can be stopped and
/// a new instance started (an agent restart). Disposal removes pods, containerd, the server, the
/// shared directories and the /timonel/&lt;node&gt; cgroup tree, every step even if one fails.
/// </summary>
public class PodWorkerNode : IAsyncLifetime
{
    private readonly StringBuilder _log = new();
    private CancellationTokenSource? _stop;
    private Task? _run;
    private EventRecorder? _events;

    public ContainerdNode Node { get; } = new();
    public ServerProcess Server { get; private set; } = null!;
    public ApiConnection Api { get; private set; } = null!;
    public string NodeName => "pw-" + Path.GetFileName(Node.DataDir);
    public string HostIp => ContainerdNode.PodSubnetPrefix + "1";
    public string CgroupRoot => "/timonel/" + NodeName;
    public string LogRoot => Path.Combine(Node.DataDir, "logs");
    internal SharedDirectoryVolumes Volumes { get; private set; } = null!;
    /// <summary>The probes of the current workers instance (a new instance gets new ones, as a restarted agent would).</summary>
    internal ScriptedProbes Probes { get; private set; } = new();
    public PodWorkers Workers { get; private set; } = null!;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        try
        {
            await Node.InitializeAsync();
            Volumes = new SharedDirectoryVolumes(Path.Combine(Node.DataDir, "shared"));
            Server = await ServerProcess.StartNewAsync("--disable-scheduler", "--disable-controllers");
            Api = ApiConnection.FromKubeconfig(Server.Kubeconfig);
            (await Api.CreateAsync(new V1Node
            {
                Metadata = new V1ObjectMeta { Name = NodeName },
                Spec = new V1NodeSpec { PodCIDR = ContainerdNode.PodSubnet },
            })).Require();
            _events = new EventRecorder(Api, new EventSource("kubelet", NodeName), TimeProvider.System, NullLogger.Instance);
            StartWorkers();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a new <see cref="PodWorkers"/> instance (the agent process starting).</summary>
    public void StartWorkers()
    {
        var trigger = new DeferredPodSyncTrigger();
        var parts = CreateParts(_events!, trigger);
        var options = new PodWorkerOptions { NodeName = NodeName, HostIp = HostIp, PodLogRoot = LogRoot };
        Workers = new PodWorkers(Api, Node.Cri, parts, options, new ListLoggerFactory(_log));
        trigger.Target = Workers;
        _stop = new CancellationTokenSource();
        _run = Workers.RunAsync(_stop.Token);
    }

    /// <summary>
    /// The seams each new workers instance gets: scripted probes and exec-only hooks. A derived
    /// fixture may give real ones; <paramref name="trigger"/> reaches the workers once they exist.
    /// </summary>
    protected virtual PodWorkerParts CreateParts(EventRecorder events, IPodSyncTrigger trigger)
    {
        Probes = new ScriptedProbes();
        return new PodWorkerParts(new LiteralEnvironment(), Volumes, new PresentImages(Node.Cri), Probes,
            new PlainRuntimeSettings(), new NoObjects(), events, ExecHooks.PreStop(Node.Cri), ExecHooks.PostStart(Node.Cri));
    }

    /// <summary>Called after a workers instance stopped, to release what <see cref="CreateParts"/> made.</summary>
    protected virtual ValueTask ReleasePartsAsync() => ValueTask.CompletedTask;

    /// <summary>Stops the workers (the agent process stopping); containers keep running.</summary>
    public async Task StopWorkersAsync()
    {
        if (_stop is null)
        {
            return;
        }
        await _stop.CancelAsync();
        await _run!;
        _stop.Dispose();
        _stop = null;
        await ReleasePartsAsync();
    }

    public async Task DisposeAsync()
    {
        var failures = new List<Exception>();
        async Task Step(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        await Step(StopWorkersAsync);
        if (_events is not null)
        {
            await Step(async () => await _events.DisposeAsync());
        }
        Api?.Dispose();
        if (Server is not null)
        {
            await Step(async () => await Server.DisposeAsync());
        }
        await Step(Node.DisposeAsync);
        await Step(async () =>
        {
            var left = await CgroupTree.RemoveAsync(CgroupRoot);
            if (left > 0)
            {
                throw new InvalidOperationException($"{left} cgroup directories of {CgroupRoot} could not be removed");
            }
        });
        // The shared /timonel parent goes when no other node uses it (rmdir of an empty cgroup only).
        foreach (var hierarchy in CgroupTree.HierarchyRoots())
        {
            try
            {
                Directory.Delete(Path.Combine(hierarchy, "timonel"));
            }
            catch (IOException)
            {
                // Absent, or another node's pods are under it.
            }
        }
        if (failures.Count > 0)
        {
            throw new AggregateException("pod worker node clean-up failed", failures);
        }
    }

    /// <summary>Keeps the workers' log lines for failure messages.</summary>
    private sealed class ListLoggerFactory(StringBuilder sink) : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (sink)
            {
                sink.Append(DateTime.UtcNow.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
                    .Append(' ').Append(logLevel).Append(' ').AppendLine(formatter(state, exception));
                if (exception is not null)
                {
                    sink.AppendLine(exception.ToString());
                }
            }
        }
    }
}
