using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Hosting;
using Timonel.Client.Api;
using Timonel.Controllers;
using Timonel.Controllers.LoadBalancer;
using Timonel.Hosting;
using Timonel.Scheduler.Algorithm;
using Timonel.Scheduler.Hosting;
using Timonel.Storage;
using Timonel.Storage.Etcd;
using Timonel.Storage.Sqlite;

namespace Timonel.Commands;

/// <summary>
/// `timonel server`: the control plane. Holds an exclusive lock on its data dir, opens the store
/// (embedded SQLite or an etcd cluster), serves the API on HTTPS and writes DIR/kubeconfig.
/// </summary>
internal static class ServerCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        var bind = flags.String("bind-address", "127.0.0.1");
        var port = flags.Int("https-listen-port", 6443);
        var datastore = flags.String("datastore-endpoint", "sqlite");
        var clusterCidr = flags.String("cluster-cidr", "10.42.0.0/16");
        var serviceCidr = flags.String("service-cidr", "10.43.0.0/16");
        var token = flags.String("token");
        var sans = flags.String("tls-san");
        var disableControllers = flags.Bool("disable-controllers");
        var disableScheduler = flags.Bool("disable-scheduler");
        var graceText = flags.String("node-monitor-grace-period", "50s");
        var lbPoolText = flags.String("service-lb-pool");
        flags.EnsureAllUsed();
        // A comma list: the first is the kubeconfig's address, the others are listened on too.
        var binds = bind.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bindAddresses = new List<IPAddress>();
        foreach (var b in binds)
        {
            if (!IPAddress.TryParse(b, out var parsed))
            {
                return CommandLine.Fail($"--bind-address: \"{b}\" is not an IP address");
            }
            bindAddresses.Add(parsed);
        }
        if (bindAddresses.Count == 0)
        {
            return CommandLine.Fail("--bind-address needs an IP address");
        }
        var bindAddress = bindAddresses[0];
        ApiServerOptions options;
        try
        {
            options = new ApiServerOptions
            {
                DataDir = dataDir,
                BindAddress = bindAddress,
                ExtraBindAddresses = bindAddresses.Skip(1).ToList(),
                Port = port,
                ClusterCidr = IpRange.Parse(clusterCidr),
                ServiceCidr = IpRange.Parse(serviceCidr),
                ExtraSans = sans?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                ControllersRun = !disableControllers,
            };
        }
        catch (FormatException e)
        {
            return CommandLine.Fail(e.Message);
        }

        if (!Durations.TryParse(graceText, out var nodeGrace))
        {
            return CommandLine.Fail($"--node-monitor-grace-period: \"{graceText}\" is not a duration like 40s or 2m");
        }
        AddressPool? lbPool = null;
        if (lbPoolText is not null)
        {
            (lbPool, var poolError) = AddressPool.Parse(lbPoolText);
            if (lbPool is null)
            {
                return CommandLine.Fail($"--service-lb-pool: {poolError}");
            }
        }
        Directory.CreateDirectory(Path.Combine(dataDir, "server"));
        using var dataDirLock = DataDirLock.TryAcquire(Path.Combine(dataDir, "server", "lock"));
        if (dataDirLock is null)
        {
            return CommandLine.Fail($"another timonel server is already running on data dir {dataDir}");
        }
        options = options with { JoinSecret = token };

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var log = loggerFactory.CreateLogger("timonel.server");
        await using var store = await OpenStoreAsync(datastore, dataDir, loggerFactory);
        using var shutdown = new CancellationTokenSource();
        // SIGTERM/SIGINT start an orderly stop; if the stop itself hangs (e.g. an unreachable etcd),
        // the process exits anyway after 10 s. Acknowledged writes are already durable.
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
            _ = Task.Delay(TimeSpan.FromSeconds(10)).ContinueWith(_ => Environment.Exit(0), TaskScheduler.Default);
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await using var host = await ApiServerHost.StartAsync(options, store, null, shutdown.Token);
        log.LogInformation("timonel server listening on https://{Address}:{Port}; kubeconfig: {Kubeconfig}", bind, port, host.Credentials.KubeconfigPath);
        var components = new List<Task>();
        _ = IdleMemory.RunAsync(shutdown.Token);
        // With an etcd store several servers may share the cluster: the controller manager and the
        // scheduler then each run only while holding their Lease in kube-system, as upstream's do.
        var elect = datastore != "sqlite";
        if (!disableControllers)
        {
            var api = InternalConnection(host, options, "system:kube-controller-manager");
            var settings = new ControllerManagerOptions { ClusterCidr = options.ClusterCidr.ToString(), NodeMonitorGracePeriod = nodeGrace, LoadBalancerPool = lbPool, RootCaPem = host.Credentials.Certificates.CaPem };
            components.Add(Leadership.RunAsync(elect, "kube-controller-manager", api, ct => RunControllersAsync(api, settings, loggerFactory, ct), loggerFactory, shutdown.Token));
        }
        if (!disableScheduler)
        {
            var api = InternalConnection(host, options, "system:kube-scheduler");
            components.Add(Leadership.RunAsync(elect, "kube-scheduler", api,
                ct => new SchedulerService(api, new SchedulerOptions(), TimeProvider.System, loggerFactory).RunAsync(ct), loggerFactory, shutdown.Token));
        }
        var first = await Task.WhenAny(components.Append(Task.Delay(Timeout.Infinite, shutdown.Token)));
        var exitCode = 0;
        if (!shutdown.IsCancellationRequested && first.IsFaulted)
        {
            log.LogCritical(first.Exception, "a component failed; stopping the server");
            exitCode = 1;
        }
        log.LogInformation("timonel server stopping");
        await shutdown.CancelAsync();
        foreach (var component in components)
        {
            try { await component; } catch (OperationCanceledException) { }
        }
        return exitCode;
    }

    /// <summary>
    /// The controller manager, a client of this server's HTTPS API like any other (its own
    /// in-memory token): fresh informers for each term of leadership.
    /// </summary>
    private static async Task RunControllersAsync(ApiConnection api, ControllerManagerOptions settings, ILoggerFactory loggers, CancellationToken ct)
    {
        await using var manager = new ControllerManager(api, settings, loggers);
        await manager.RunAsync(ct);
    }

    /// <summary>A connection to this server's HTTPS API for an in-process component, with its own token.</summary>
    private static ApiConnection InternalConnection(ApiServerHost host, ApiServerOptions options, string user)
    {
        var token = host.Credentials.IssueInternalToken(user, ["system:masters", "system:authenticated"]);
        var address = options.BindAddress.ToString() is "0.0.0.0" or "::" ? "127.0.0.1" : options.BindAddress.ToString();
        return new ApiConnection(new Uri($"https://{address}:{options.Port}"), host.Credentials.Certificates.CaPem, token);
    }

    private static async Task<IKeyValueStore> OpenStoreAsync(string datastore, string dataDir, ILoggerFactory logs)
    {
        if (datastore == "sqlite")
        {
            return await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = DataDir.StorePath(dataDir) });
        }
        if (datastore.StartsWith("http://", StringComparison.Ordinal) || datastore.StartsWith("https://", StringComparison.Ordinal))
        {
            return await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = datastore, LoggerFactory = logs });
        }
        throw new FlagException($"--datastore-endpoint: \"{datastore}\" is neither \"sqlite\" nor an etcd URL list (http://host:2379,...)");
    }
}
