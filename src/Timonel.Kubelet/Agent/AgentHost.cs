using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Events;
using Timonel.Client.Informers;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Containers;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Endpoints;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Join;
using Timonel.Kubelet.Logs;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Probes;
using Timonel.Kubelet.Streaming;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// One real node, built and run in order (each step gates the next):
/// join check (ServerTrust) → node credential (client + serving certificates) → containerd (own,
/// reused across restarts, or --container-runtime-endpoint) → registries file and image archives →
/// Node registration, Lease and status → podCIDR → CNI conflist (Ready) → the node's components
/// (<see cref="AgentOptions.Components"/>: networking) → pod workers with every part (pods'
/// DNS settings from <see cref="AgentOptions.PodDns"/>, the endpoint drain before termination) → the HTTPS
/// endpoint on 10250. <see cref="RunAsync"/> returns when cancelled; containers and
/// containerd keep running. A failure before the node runs is an <see cref="AgentStartException"/>.
/// </summary>
public sealed class AgentHost(AgentOptions options, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("timonel.agent");

    public async Task RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.AgentDir);
        var (joiner, trustError) = await ServerTrust.ConnectAsync(options.Server, options.Token, ct);
        if (joiner is null)
        {
            throw new AgentStartException(trustError!);
        }
        var hostIp = (options.NodeIp ?? NodeFacts.SourceAddressTowards(options.Server)).ToString();
        var credentials = new NodeCredentialFiles(options.CredentialsDir);
        using (joiner)
        {
            var error = await credentials.EnsureAsync(joiner, joiner.Configuration.SslCaCerts[0], options.NodeName, [hostIp], ct);
            if (error is not null)
            {
                throw new AgentStartException(error);
            }
        }
        await File.WriteAllTextAsync(Path.Combine(options.AgentDir, LocalNodeImages.NodeNameFile), options.NodeName + "\n", ct);
        using var api = credentials.Connect(options.Server);

        await using var containerd = options.RuntimeSocket is null ? await StartOwnContainerdAsync(ct) : null;
        using var cri = CriClient.ForUnixSocket(options.RuntimeSocket ?? containerd!.Paths.Socket);
        var version = await cri.VersionAsync(ct);
        if (!version.IsSuccess)
        {
            throw new AgentStartException($"the container runtime does not answer: {version.Error}");
        }
        var runtimeVersion = $"{version.Value.RuntimeName}://{version.Value.RuntimeVersion}";

        var reporter = new NodeStatusReporter(api, cri, options, hostIp, runtimeVersion, loggers.CreateLogger("timonel.agent.node"));
        var node = await reporter.RegisterAsync(ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var background = new List<Task> { reporter.RunAsync(node.Metadata.Uid, stop.Token) };
        if (containerd is not null)
        {
            background.Add(containerd.WatchAsync(stop.Token));
        }
        var cidr = await reporter.WaitForPodCidrAsync(ct);
        // With an external runtime the conflist goes where a default containerd reads it.
        var confDir = containerd?.Paths.CniConfDir ?? "/etc/cni/net.d";
        CniConflist.Write(confDir, cidr, Path.Combine(options.AgentDir, "cni", "ipam"), CniConflist.PodMtu(IPAddress.Parse(hostIp)));
        AgentLog.PodNetwork(_logger, cidr, CniConflist.Bridge, confDir);
        reporter.NetworkReady();
        await using var componentInformers = new SharedInformerFactory(api, options.Time, loggers);
        var agentNode = new AgentNode
        {
            Api = api,
            Informers = componentInformers,
            NodeName = options.NodeName,
            NodeIp = IPAddress.Parse(hostIp),
            PodCidr = cidr,
            ClusterCidr = options.ClusterCidr,
            ServiceCidr = options.ServiceCidr,
            ClusterDomain = options.ClusterDomain,
            PodBridge = CniConflist.Bridge,
            AgentDir = options.AgentDir,
            Loggers = loggers,
            Time = options.Time,
        };
        foreach (var component in options.Components)
        {
            background.Add(component.RunAsync(agentNode, stop.Token));
            AgentLog.ComponentStarted(_logger, component.Name);
        }
        // Asked for before the factory starts: the slices are shared with the service proxy.
        var drain = new EndpointSliceDrain(componentInformers.GetInformer<V1EndpointSlice>(), options.Time, options.EndpointPropagationDelay,
            loggers.CreateLogger("Timonel.Kubelet.Pods"));
        componentInformers.Start();

        await using var events = new EventRecorder(api, new EventSource("kubelet", options.NodeName), options.Time, loggers.CreateLogger("timonel.agent.events"));
        var objects = new ApiObjectSource(api);
        var trigger = new DeferredPodSyncTrigger();
        await using var probes = new NodeProbes(cri, events, trigger, options.Time, loggers);
        var environment = new ContainerEnvironmentBuilder(objects, services: objects);
        var parts = new PodWorkerParts(
            environment,
            new PodVolumes(new PodVolumesOptions(options.PodsDir), objects, options.Time, objects, environment),
            new ImageManager(cri, objects, events, options.Time, loggers.CreateLogger<ImageManager>(), trigger),
            probes.Probes,
            new ContainerRuntimeSettings(),
            objects,
            events,
            probes.Hooks.RunPreStopAsync,
            probes.Hooks.RunPostStartAsync,
            options.PodDns,
            drain.DrainAsync);
        var workers = new PodWorkers(api, cri, parts, new PodWorkerOptions
        {
            NodeName = options.NodeName,
            HostIp = hostIp,
            NodeAllocatable = reporter.Capacity,
            PodLogRoot = options.LogsDir,
            ClusterDomain = options.ClusterDomain,
            CgroupRoot = options.CgroupRoot,
            Time = options.Time,
        }, loggers);
        trigger.Target = workers;

        var serverOptions = KubeletServerOptions.FromPemFiles(credentials.ServingCertPath, credentials.ServingKeyPath, credentials.CaPath, IPAddress.Any, options.KubeletPort);
        await using var kubelet = new KubeletServer(serverOptions, workers, cri, loggers, options.Time);
        await kubelet.StartAsync(ct);
        AgentLog.Running(_logger, options.NodeName, kubelet.Port, runtimeVersion);

        background.Add(workers.RunAsync(stop.Token));
        if (!options.ContainerLogs.Disabled)
        {
            // Not added when disabled: a background task that returns stops the agent.
            background.Add(new ContainerLogRotation(cri, options.ContainerLogs with { Time = options.Time }, loggers).RunAsync(stop.Token));
        }
        var first = await Task.WhenAny(background.Append(Task.Delay(Timeout.Infinite, ct)));
        await stop.CancelAsync();
        foreach (var task in background)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (!ct.IsCancellationRequested && first.IsFaulted)
        {
            await first;
        }
    }

    private async Task<AgentContainerd> StartOwnContainerdAsync(CancellationToken ct)
    {
        var containerdOptions = new ContainerdOptions { DataDir = options.ContainerdDir };
        var paths = ContainerdPaths.For(containerdOptions);
        var registries = await NodeRegistries.PrepareAsync(options.AgentDir, paths.RegistryConfigPath, _logger, ct);
        if (registries.Error is not null)
        {
            throw new AgentStartException(registries.Error);
        }
        var containerd = new AgentContainerd(containerdOptions with { RegistryAuths = registries.Auths }, loggers);
        await containerd.StartAsync(ct);
        foreach (var result in await ImageAutoImport.RunAsync(options.AgentDir, containerd.Paths, _logger, ct))
        {
            AgentLog.ImageArchive(_logger, Path.GetFileName(result.Archive), result.Error ?? (result.Skipped ? "already imported" : "imported"));
        }
        return containerd;
    }
}

/// <summary>The agent cannot start: the message says why (shown to the user, exit code 1).</summary>
public sealed class AgentStartException(string message) : Exception(message);
