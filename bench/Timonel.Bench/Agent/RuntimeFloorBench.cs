using System.Diagnostics;
using System.Globalization;
using Timonel.Bench.SchedulerE2E;
using Timonel.Bench.Storage;
using Timonel.Kubelet.Agent;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Bench.Agent;

/// <summary>
/// runtime-floor (root): what containerd, runc and the CNI plugins alone need to start N pods at
/// once, with no API server, scheduler or agent. A network namespace with only loopback, the
/// agent's CNI conflist (bridge, host-local, portmap) and a containerd configured as the agent
/// configures it (<see cref="ContainerdSupervisor"/>), the project's images imported; then per pod,
/// all pods at once, the CRI calls a kubelet cannot do without: RunPodSandbox, CreateContainer and
/// StartContainer of timonel.local/http:1. A warm-up round of the same size runs first and is
/// removed. Prints p50/p99/max from the first call to StartContainer's answer, and the machine's
/// CPU in the window (everything but this process is the runtime's). Everything is removed at the end.
/// Compare with pod-startup, which measures the same pods through the whole system.
/// </summary>
internal static class RuntimeFloorBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var pods = flags.Int("pods", 30);
        var warmup = flags.Int("warmup-pods", 30);
        flags.CheckAllUsed();
        var id = Guid.NewGuid().ToString("N")[..8];
        var dataDir = Path.Combine(Path.GetTempPath(), "timonel-floor-" + id);
        var netns = "tfloor-" + id;
        var cgroupRoot = "/timonel-floor-" + id;
        var supervisor = new ContainerdSupervisor(new ContainerdOptions { DataDir = Path.Combine(dataDir, "containerd"), NetworkNamespace = netns });
        CriClient? cri = null;
        try
        {
            await RunAsync("ip", "netns", "add", netns);
            await RunAsync("ip", "-n", netns, "link", "set", "lo", "up");
            CniConflist.Write(supervisor.Paths.CniConfDir, "10.244.9.0/24", Path.Combine(dataDir, "ipam"), 1450);
            var archives = await ProjectImages.WriteAllAsync(Path.Combine(dataDir, "images"));
            await supervisor.StartAsync(CancellationToken.None);
            cri = supervisor.CreateClient();
            foreach (var archive in archives.Values)
            {
                await ContainerdImageImport.ImportAsync(supervisor.Paths.Socket, archive);
            }
            if (warmup > 0)
            {
                await RoundAsync(cri, dataDir, cgroupRoot, "warm", warmup);
                await RemoveAllAsync(cri);
                await Task.Delay(3000);
                Console.WriteLine($"warm-up: {warmup} pods started, then removed");
            }
            var (machine, self) = (ProcCpu.Machine(), Process.GetCurrentProcess().TotalProcessorTime);
            var clock = Stopwatch.StartNew();
            var latencies = await RoundAsync(cri, dataDir, cgroupRoot, "pod", pods);
            var window = clock.Elapsed;
            (machine, self) = (ProcCpu.Machine() - machine, Process.GetCurrentProcess().TotalProcessorTime - self);
            latencies.Sort();
            Console.WriteLine($"{pods} pods at once, RunPodSandbox + CreateContainer + StartContainer each: " +
                $"p50 {Pct(latencies, 0.5):F0} ms, p99 {Pct(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms (all started after {window.TotalMilliseconds:F0} ms)");
            Console.WriteLine($"CPU in the window: machine {machine.TotalSeconds:F2} s of {window.TotalSeconds * Environment.ProcessorCount:F2} s available, " +
                $"this process {self.TotalSeconds:F2} s, the rest (containerd, shims, runc, CNI, kernel) {(machine - self).TotalSeconds:F2} s = " +
                $"{(machine - self).TotalMilliseconds / pods:F0} ms per pod");
            return 0;
        }
        finally
        {
            if (cri is not null)
            {
                await RemoveAllAsync(cri);
                cri.Dispose();
            }
            await supervisor.StopAsync();
            await ContainerdTeardown.RemoveAllAsync(supervisor.Paths);
            await CgroupTree.RemoveAsync(cgroupRoot);
            await RunAsync("ip", "netns", "delete", netns);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Starts <paramref name="count"/> pods at once; returns each one's ms from its first call to its container's start.</summary>
    private static async Task<List<double>> RoundAsync(CriClient cri, string dataDir, string cgroupRoot, string prefix, int count)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            var name = $"{prefix}-{i}";
            var sandbox = Sandbox(dataDir, cgroupRoot, name);
            var podId = (await cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
            var container = new ContainerConfig
            {
                Metadata = new ContainerMetadata { Name = "http" },
                Image = new ImageSpec { Image = ProjectImages.Http },
                LogPath = "http/0.log",
                Envs = { new KeyValue { Key = "POD_NAME", Value = name } },
                Linux = new LinuxContainerConfig { Resources = new LinuxContainerResources() },
            };
            var id = (await cri.CreateContainerAsync(podId, container, sandbox)).GetValueOrThrow();
            (await cri.StartContainerAsync(id)).GetValueOrThrow();
            return clock.Elapsed.TotalMilliseconds;
        })));
        return [.. results];
    }

    private static PodSandboxConfig Sandbox(string dataDir, string cgroupRoot, string name)
    {
        var uid = Guid.NewGuid().ToString();
        var logDirectory = Path.Combine(dataDir, "pods", $"bench_{name}_{uid}");
        Directory.CreateDirectory(logDirectory);
        return new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "bench", Uid = uid },
            Hostname = name,
            LogDirectory = logDirectory,
            Labels = { ["io.kubernetes.pod.name"] = name },
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = $"{cgroupRoot}/pod{uid}",
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
                },
            },
        };
    }

    private static async Task RemoveAllAsync(CriClient cri)
    {
        var sandboxes = await cri.ListPodSandboxAsync();
        if (!sandboxes.IsSuccess) return;
        await Task.WhenAll(sandboxes.GetValueOrThrow().Select(async s =>
        {
            await cri.StopPodSandboxAsync(s.Id);
            await cri.RemovePodSandboxAsync(s.Id);
        }));
    }

    private static double Pct(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true }) ?? throw new InvalidOperationException(file);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {await process.StandardError.ReadToEndAsync()}");
        }
    }
}
