using System.Security.Cryptography;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// One node for a test class: a network namespace with only loopback and a CNI bridge (no route
/// out), our own containerd running inside it from a temp data dir, and the project's images
/// imported. Pods use cgroup parent <see cref="CgroupParent"/>, so every cgroup they make is under
/// one tree that disposal removes. Disposal undoes everything, also after a failed start.
/// </summary>
public sealed class ContainerdNode : IAsyncLifetime
{
    public const string PodSubnet = "10.244.7.0/24";
    public const string PodSubnetPrefix = "10.244.7.";

    private readonly string _id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private bool _disposed;

    public ContainerdNode()
    {
        DataDir = Path.Combine(Path.GetTempPath(), "tk-" + _id);
        Netns = "tk-" + _id;
        CgroupParent = "/timonel-e2e-" + _id;
        Supervisor = new ContainerdSupervisor(new ContainerdOptions { DataDir = DataDir, NetworkNamespace = Netns });
    }

    public string DataDir { get; }

    public string Netns { get; }

    public string CgroupParent { get; }

    public ContainerdSupervisor Supervisor { get; }

    public CriClient Cri { get; private set; } = null!;

    public string PodLogRoot => Path.Combine(DataDir, "pods");

    public async Task InitializeAsync()
    {
        try
        {
            await Run.CheckedAsync("ip", "netns", "add", Netns);
            await Run.CheckedAsync("ip", "-n", Netns, "link", "set", "lo", "up");
            Directory.CreateDirectory(Supervisor.Paths.CniConfDir);
            await File.WriteAllTextAsync(Path.Combine(Supervisor.Paths.CniConfDir, "10-timonel-e2e.conflist"), CniConfig());
            var archives = await ProjectImages.WriteAllAsync(Path.Combine(DataDir, "images"));
            await Supervisor.StartAsync(CancellationToken.None);
            Cri = Supervisor.CreateClient();
            foreach (var archive in archives.Values)
            {
                await ContainerdImageImport.ImportAsync(Supervisor.Paths.Socket, archive);
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A bridge in the node's namespace; host-local keeps its leases under our data dir, not /var/lib/cni.</summary>
    private string CniConfig() => $$"""
        {
          "cniVersion": "1.0.0",
          "name": "timonel-e2e-{{_id}}",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "tk0",
              "isGateway": true,
              "ipMasq": false,
              "ipam": {
                "type": "host-local",
                "dataDir": "{{Path.Combine(DataDir, "ipam")}}",
                "ranges": [[{ "subnet": "{{PodSubnet}}" }]],
                "routes": [{ "dst": "0.0.0.0/0" }]
              }
            }
          ]
        }
        """;

    /// <summary>Removes pods, containerd, its mounts and files, the pods' cgroups and the namespace; every step runs even if one fails.</summary>
    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
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
        if (Cri is not null)
        {
            await Step(RemoveAllPodsAsync);
            Cri.Dispose();
        }
        await Step(Supervisor.StopAsync);
        await Step(() => ContainerdTeardown.RemoveAllAsync(Supervisor.Paths));
        await Step(async () =>
        {
            var left = await CgroupTree.RemoveAsync(CgroupParent);
            if (left > 0)
            {
                throw new InvalidOperationException($"{left} cgroup directories of {CgroupParent} could not be removed");
            }
        });
        await Step(async () =>
        {
            if (File.Exists("/var/run/netns/" + Netns))
            {
                await Run.CheckedAsync("ip", "netns", "delete", Netns);
            }
        });
        if (failures.Count > 0)
        {
            throw new AggregateException("node clean-up failed", failures);
        }
    }

    private async Task RemoveAllPodsAsync()
    {
        var sandboxes = await Cri.ListPodSandboxAsync();
        if (!sandboxes.IsSuccess)
        {
            return; // containerd is down; teardown removes what it left
        }
        foreach (var sandbox in sandboxes.Value)
        {
            await Cri.StopPodSandboxAsync(sandbox.Id);
            await Cri.RemovePodSandboxAsync(sandbox.Id);
        }
    }
}
