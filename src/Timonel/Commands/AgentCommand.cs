using System.Net;
using Microsoft.Extensions.Logging;
using k8s.Models;
using Timonel.Hosting;
using Timonel.Kubelet.Agent;
using System.Runtime.InteropServices;
using Timonel.Kubelet.Join;
using Timonel.Kubelet.Logs;
using Timonel.Kubelet.Simulated;

namespace Timonel.Commands;

/// <summary>
/// `timonel agent`: a node that runs real containers through containerd (<see cref="AgentHost"/>),
/// or with `--simulated --nodes N` status-only nodes for scale tests. Either way the agent trusts
/// the server only once its CA matches the join token's hash.
/// </summary>
internal static class AgentCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var server = flags.String("server");
        var token = flags.String("token");
        var simulated = flags.Bool("simulated");
        var options = new SimulatedNodeOptions
        {
            Nodes = flags.Int("nodes", 1),
            NamePrefix = flags.String("node-name-prefix", "sim-"),
            Cpu = flags.String("cpu", "4"),
            Memory = flags.String("memory", "32Gi"),
            MaxPods = flags.Int("max-pods", 110),
        };
        var leaseText = flags.String("lease-renew-interval", "10s");
        var dataDir = DataDir.Resolve(flags);
        var nodeName = flags.String("node-name");
        var endpoint = flags.String("container-runtime-endpoint");
        var nodeIpText = flags.String("node-ip");
        var network = AgentNetwork.Settings.From(flags);
        var logMaxSize = flags.String("container-log-max-size", "10Mi");
        var logMaxFiles = flags.Int("container-log-max-files", ContainerLogRotationOptions.DefaultMaxFiles);
        flags.EnsureAllUsed();
        if (server is null || token is null)
        {
            return CommandLine.Fail("agent needs --server URL and --token TOKEN (the server's DIR/server/token)");
        }
        if (!Durations.TryParse(leaseText, out var leaseInterval))
        {
            return CommandLine.Fail($"--lease-renew-interval: \"{leaseText}\" is not a duration");
        }
        if (!simulated)
        {
            if (network.Error is not null)
            {
                return CommandLine.Fail(network.Error);
            }
            var (containerLogs, logsError) = ContainerLogs(logMaxSize, logMaxFiles);
            if (containerLogs is null)
            {
                return CommandLine.Fail(logsError!);
            }
            return await RunRealAsync(server, token, dataDir, nodeName, endpoint, nodeIpText, leaseInterval, network, containerLogs);
        }
        if (options.Nodes < 1)
        {
            return CommandLine.Fail("--nodes must be at least 1");
        }
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        using var shutdown = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var (api, error) = await ServerTrust.ConnectAsync(new Uri(server), token, shutdown.Token);
        if (api is null)
        {
            return CommandLine.Fail(error!);
        }
        using (api)
        {
            var fleet = new SimulatedFleet(api, options with { LeaseRenewInterval = leaseInterval }, loggers);
            try
            {
                await fleet.RunAsync(shutdown.Token);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
            }
        }
        return 0;
    }

    /// <summary>`--container-log-max-size` (a quantity: 10Mi, 512Ki, -1 disables rotation) and `--container-log-max-files`.</summary>
    private static (ContainerLogRotationOptions? Options, string? Error) ContainerLogs(string maxSize, int maxFiles)
    {
        long bytes;
        try
        {
            bytes = new ResourceQuantity(maxSize).ToInt64();
        }
        catch (FormatException)
        {
            return (null, $"--container-log-max-size: \"{maxSize}\" is not a quantity (e.g. 10Mi)");
        }
        var options = new ContainerLogRotationOptions { MaxSize = bytes, MaxFiles = maxFiles };
        return options.Validate() is { } error ? (null, "--container-log-max-size/--container-log-max-files: " + error) : (options, null);
    }

    private static async Task<int> RunRealAsync(string server, string token, string dataDir, string? nodeName, string? endpoint, string? nodeIpText, TimeSpan leaseInterval,
        AgentNetwork.Settings network, ContainerLogRotationOptions containerLogs)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri) || serverUri.Scheme != "https")
        {
            return CommandLine.Fail($"--server: \"{server}\" is not an https:// URL");
        }
        IPAddress? nodeIp = null;
        if (nodeIpText is not null && !IPAddress.TryParse(nodeIpText, out nodeIp))
        {
            return CommandLine.Fail($"--node-ip: \"{nodeIpText}\" is not an IP address");
        }
        string? socket = null;
        if (endpoint is not null)
        {
            if (!endpoint.StartsWith("unix://", StringComparison.Ordinal))
            {
                return CommandLine.Fail($"--container-runtime-endpoint: \"{endpoint}\" is not unix:///path");
            }
            socket = endpoint["unix://".Length..];
        }
        var name = (nodeName ?? Environment.MachineName).ToLowerInvariant();
        var agentDir = Path.Combine(dataDir, "agent");
        Directory.CreateDirectory(agentDir);
        using var agentLock = DataDirLock.TryAcquire(Path.Combine(agentDir, "lock"));
        if (agentLock is null)
        {
            return CommandLine.Fail($"another timonel agent is already running on data dir {dataDir}");
        }
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        using var shutdown = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
            // Containers and containerd keep running; a stop that hangs must not keep the process.
            _ = Task.Delay(TimeSpan.FromSeconds(10)).ContinueWith(_ => Environment.Exit(0), TaskScheduler.Default);
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var host = new AgentHost(new AgentOptions
        {
            Server = serverUri,
            Token = token,
            NodeName = name,
            AgentDir = agentDir,
            RuntimeSocket = socket,
            NodeIp = nodeIp,
            LeaseRenewInterval = leaseInterval,
            ClusterCidr = network.ClusterCidr,
            ServiceCidr = network.ServiceCidr,
            ClusterDomain = network.ClusterDomain,
            Components = AgentNetwork.Components(),
            PodDns = AgentNetwork.PodDns(network),
            ContainerLogs = containerLogs,
        }, loggers);
        _ = IdleMemory.RunAsync(shutdown.Token);
        try
        {
            await host.RunAsync(shutdown.Token);
        }
        catch (AgentStartException e)
        {
            Console.Error.WriteLine($"timonel: {e.Message}");
            return 1;
        }
        catch (HttpRequestException e) when (!shutdown.IsCancellationRequested)
        {
            // Before the node runs (join, credential, registration) the server must answer; a
            // supervisor (systemd, `up`) starts the agent again.
            Console.Error.WriteLine($"timonel: the API server at {serverUri} does not answer: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        return 0;
    }
}
