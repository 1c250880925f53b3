using System.Diagnostics;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Network.ServiceProxy;

/// <summary>Tuning of the proxy's sync loop.</summary>
public sealed record ServiceProxyOptions
{
    /// <summary>At most one sync per interval: events in between are folded into the next sync.</summary>
    public TimeSpan MinSyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the table is read back and rewritten whole if someone changed it.</summary>
    public TimeSpan VerifyInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait after a failed sync before the next attempt.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    public bool MasqueradeAll { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Share the process's informers (e.g. the agent's); null makes the proxy its own.</summary>
    public SharedInformerFactory? Informers { get; init; }
}

/// <summary>
/// The service proxy of one node: Services and EndpointSlices from informers → the wanted state
/// (<see cref="NftRules"/>, recomputed whole from the caches, which is cheap) → the smallest nft
/// transaction that gets there (<see cref="NftTableWriter"/>). Event handlers only mark the
/// proxy dirty; one loop syncs, at most once per <see cref="ServiceProxyOptions.MinSyncInterval"/>.
/// </summary>
public sealed class ServiceProxy
{
    private const string ByServiceIndex = "proxy-by-service";

    private readonly ProxyNode _node;
    private readonly ServiceProxyOptions _options;
    private readonly ILogger _logger;
    private readonly SharedInformerFactory _informers;
    private readonly bool _ownsInformers;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1EndpointSlice> _slices;
    private readonly NftTableWriter _writer;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _dirty;
    private int _verifyDue;
    private long _syncs;

    public ServiceProxy(ApiConnection api, string nodeName, IReadOnlyList<IPAddress> nodeAddresses, string clusterCidr, INftRunner nft, ServiceProxyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(nft);
        _options = options ?? new ServiceProxyOptions();
        _node = new ProxyNode(nodeName, nodeAddresses, clusterCidr, _options.MasqueradeAll);
        _logger = _options.Loggers.CreateLogger("timonel.network.serviceproxy");
        _ownsInformers = _options.Informers is null;
        _informers = _options.Informers ?? new SharedInformerFactory(api, _options.Time, _options.Loggers);
        _services = _informers.GetInformer<V1Service>();
        _slices = _informers.GetInformer<V1EndpointSlice>();
        _slices.AddIndex(ByServiceIndex, slice =>
            slice.Metadata.Labels?.TryGetValue(ServicePorts.ServiceNameLabel, out var service) == true
                ? [slice.Metadata.NamespaceProperty + "/" + service]
                : []);
        _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAll(_ => MarkDirty()));
        _slices.AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAll(_ => MarkDirty()));
        _writer = new NftTableWriter(nft, _logger);
    }

    /// <summary>Successful syncs so far (for readiness and tests).</summary>
    public long SyncCount => Interlocked.Read(ref _syncs);

    /// <summary>What the table holds since the last successful sync; null before it or after a failure.</summary>
    public NftState? Written => _writer.Written;

    /// <summary>
    /// Starts the informers (if the proxy owns them), waits for their caches, writes the whole
    /// table, then keeps it in step until <paramref name="ct"/> is cancelled. The table is left
    /// in place on exit (connections keep working across an agent restart), as upstream does;
    /// <see cref="DeleteTableAsync"/> removes it.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        _informers.Start();
        try
        {
            await Task.WhenAll(_services.WaitForCacheSyncAsync(ct), _slices.WaitForCacheSyncAsync(ct)).ConfigureAwait(false);
            ProxyLog.Started(_logger, _node.Name, _node.ClusterCidr, string.Join(",", _node.Addresses));
            using var verifyTimer = _options.Time.CreateTimer(_ =>
            {
                Volatile.Write(ref _verifyDue, 1);
                MarkDirty();
            }, null, _options.VerifyInterval, _options.VerifyInterval);
            MarkDirty();
            while (!ct.IsCancellationRequested)
            {
                await _wake.WaitAsync(ct).ConfigureAwait(false);
                var verify = Interlocked.Exchange(ref _verifyDue, 0) == 1;
                Interlocked.Exchange(ref _dirty, 0);
                if (!await SyncOnceAsync(verify, ct).ConfigureAwait(false))
                {
                    await Task.Delay(_options.RetryInterval, _options.Time, ct).ConfigureAwait(false);
                    MarkDirty();
                    continue;
                }
                await Task.Delay(_options.MinSyncInterval, _options.Time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            if (_ownsInformers)
            {
                await _informers.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public Task<NftResult> DeleteTableAsync(CancellationToken ct) => _writer.DeleteTableAsync(ct);

    /// <summary>The wanted service ports from the caches (read-only objects, never changed).</summary>
    internal List<ServicePortInfo> CurrentPorts()
    {
        var ports = new List<ServicePortInfo>();
        foreach (var service in _services.Lister.List())
        {
            var slices = _slices.Lister.ByIndex(ByServiceIndex, service.Metadata.NamespaceProperty + "/" + service.Metadata.Name);
            ports.AddRange(ServicePorts.From(service, slices, _node.Name));
        }
        return ports;
    }

    private async Task<bool> SyncOnceAsync(bool verify, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var ports = CurrentPorts();
        var wanted = NftRules.Build(_node, ports);
        var result = await _writer.WriteAsync(wanted, verify, ct).ConfigureAwait(false);
        if (!result.Ok)
        {
            ProxyLog.SyncFailed(_logger, result.Error ?? "unknown");
            return false;
        }
        Interlocked.Increment(ref _syncs);
        ProxyLog.Synced(_logger, ports.Count, result.Full ? "full" : "incremental", result.ScriptLength,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    private void MarkDirty()
    {
        if (Interlocked.Exchange(ref _dirty, 1) == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake: the pending sync will see this change.
            }
        }
    }
}
