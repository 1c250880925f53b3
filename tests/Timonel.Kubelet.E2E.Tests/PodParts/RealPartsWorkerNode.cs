using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Events;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Containers;
using Timonel.Kubelet.E2E.Tests.PodWorker;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Volumes;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.PodParts;

/// <summary>
/// <see cref="PodWorkers"/> with the real environment, volumes and runtime settings (ConfigMaps and
/// Secrets through <see cref="ApiObjectSource"/>), on a <see cref="ContainerdNode"/> with a real API
/// server. Images and probes are the pod worker tests' simple ones. Disposal removes pods, volumes,
/// containerd, the server and the /timonel/&lt;node&gt; cgroup tree, every step even if one fails.
/// </summary>
public sealed class RealPartsWorkerNode : IAsyncLifetime
{
    private CancellationTokenSource? _stop;
    private Task? _run;
    private EventRecorder? _events;

    public ContainerdNode Node { get; } = new();
    public ServerProcess Server { get; private set; } = null!;
    public ApiConnection Api { get; private set; } = null!;
    public string NodeName => "rp-" + Path.GetFileName(Node.DataDir);
    public string HostIp => ContainerdNode.PodSubnetPrefix + "1";
    public string CgroupRoot => "/timonel/" + NodeName;
    public string PodsDir => Path.Combine(Node.DataDir, "agent", "pods");
    public PodWorkers Workers { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            await Node.InitializeAsync();
            Server = await ServerProcess.StartNewAsync("--disable-scheduler", "--disable-controllers");
            Api = ApiConnection.FromKubeconfig(Server.Kubeconfig);
            (await Api.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName }, Spec = new V1NodeSpec { PodCIDR = ContainerdNode.PodSubnet } })).Require();
            _events = new EventRecorder(Api, new EventSource("kubelet", NodeName), TimeProvider.System, NullLogger.Instance);
            var objects = new ApiObjectSource(Api);
            var events = _events;
            var env = new ContainerEnvironmentBuilder(objects, (pod, reason, message) => events.Warning(pod, reason, message), objects);
            var parts = new PodWorkerParts(env,
                new PodVolumes(new PodVolumesOptions(PodsDir), objects, TimeProvider.System, objects, env),
                new PresentImages(Node.Cri), new ScriptedProbes(), new ContainerRuntimeSettings(), objects, _events);
            var options = new PodWorkerOptions
            {
                NodeName = NodeName,
                HostIp = HostIp,
                PodLogRoot = Path.Combine(Node.DataDir, "logs"),
                NodeAllocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("4Gi") },
                // Every pod is synced this often: how soon a ConfigMap change reaches the files.
                ResyncInterval = TimeSpan.FromSeconds(2),
            };
            Workers = new PodWorkers(Api, Node.Cri, parts, options, NullLoggerFactory.Instance);
            _stop = new CancellationTokenSource();
            _run = Workers.RunAsync(_stop.Token);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
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
        if (_stop is not null)
        {
            await Step(async () =>
            {
                await _stop.CancelAsync();
                await _run!;
                _stop.Dispose();
            });
        }
        if (_events is not null)
        {
            await Step(async () => await _events.DisposeAsync());
        }
        Api?.Dispose();
        if (Server is not null)
        {
            await Step(async () => await Server.DisposeAsync());
        }
        // Volumes of pods the test did not delete: their tmpfs mounts must go before the data dir.
        await Step(() =>
        {
            if (Directory.Exists(PodsDir))
            {
                foreach (var line in File.ReadAllLines("/proc/self/mountinfo").Reverse())
                {
                    var point = line.Split(' ')[4];
                    if (point.StartsWith(PodsDir + "/", StringComparison.Ordinal))
                    {
                        Run.CheckedAsync("umount", "-l", point).GetAwaiter().GetResult();
                    }
                }
            }
            return Task.CompletedTask;
        });
        await Step(Node.DisposeAsync);
        await Step(async () =>
        {
            var left = await CgroupTree.RemoveAsync(CgroupRoot);
            if (left > 0)
            {
                throw new InvalidOperationException($"{left} cgroup directories of {CgroupRoot} could not be removed");
            }
        });
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
            throw new AggregateException("real parts node clean-up failed", failures);
        }
    }
}
