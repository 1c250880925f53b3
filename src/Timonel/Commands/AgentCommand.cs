using Microsoft.Extensions.Logging;
using System.Runtime.InteropServices;
using Timonel.Kubelet.Join;
using Timonel.Kubelet.Simulated;

namespace Timonel.Commands;

/// <summary>
/// `timonel agent`: a node. Today only simulated nodes exist (`--simulated --nodes N`, status
/// only, for scale tests); the agent that runs real containers comes with the node agent issue.
/// The agent trusts the server only once its CA matches the join token's hash.
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
        flags.EnsureAllUsed();
        if (server is null || token is null)
        {
            return CommandLine.Fail("agent needs --server URL and --token TOKEN (the server's DIR/server/token)");
        }
        if (!simulated)
        {
            return CommandLine.Fail("the agent that runs real containers is not built yet; use --simulated --nodes N for simulated nodes");
        }
        if (!Durations.TryParse(leaseText, out var leaseInterval))
        {
            return CommandLine.Fail($"--lease-renew-interval: \"{leaseText}\" is not a duration");
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
}
