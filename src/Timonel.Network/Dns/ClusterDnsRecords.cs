using System.Net;
using ARSoft.Tools.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Network.Dns;

public sealed record ClusterDnsOptions
{
    /// <summary>The cluster domain (kubelet's clusterDomain).</summary>
    public string Zone { get; init; } = "cluster.local";

    /// <summary>
    /// TTL of every answer and the SOA minimum. 30 s as in the Corefile Kubernetes installs
    /// (`ttl 30`); the plugin's own default, without that line, is 5 s.
    /// </summary>
    public int Ttl { get; init; } = 30;

    /// <summary>The Service whose ClusterIPs `ns.dns.zone` names (the zone's NS glue).</summary>
    public string DnsServiceNamespace { get; init; } = "kube-system";
    public string DnsServiceName { get; init; } = "kube-dns";

    /// <summary>Folds bursts of events into one rebuild of the snapshot.</summary>
    public TimeSpan MinRebuildInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Share the process's informers (e.g. the agent's, with the service proxy); null makes its own.</summary>
    public SharedInformerFactory? Informers { get; init; }
}

/// <summary>
/// The cluster zone kept in step with Services and EndpointSlices. Event handlers only mark the
/// view stale; one loop rebuilds a <see cref="ClusterDnsSnapshot"/> from the caches and swaps it
/// in, so queries read one consistent snapshot without locks. Pod records need no data (`pods
/// insecure`), so no Pod informer is kept.
/// </summary>
public sealed class ClusterDnsRecords
{
    private readonly ClusterDnsOptions _options;
    private readonly ILogger _logger;
    private readonly SharedInformerFactory _informers;
    private readonly bool _ownsInformers;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1EndpointSlice> _slices;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _built = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DomainName _zone;
    private ClusterDnsZone _current;
    private long _rebuilds;

    public ClusterDnsRecords(ApiConnection api, ClusterDnsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        _options = options ?? new ClusterDnsOptions();
        if (!DomainName.TryParse(_options.Zone, out var zone) || zone is null || zone.LabelCount == 0)
        {
            throw new ArgumentException($"invalid cluster domain '{_options.Zone}'", nameof(options));
        }
        _zone = zone;
        _current = new ClusterDnsZone(_zone, ClusterDnsSnapshot.Empty, _options.Ttl);
        _logger = _options.Loggers.CreateLogger("timonel.network.dns");
        _ownsInformers = _options.Informers is null;
        _informers = _options.Informers ?? new SharedInformerFactory(api, _options.Time, _options.Loggers);
        _services = _informers.GetInformer<V1Service>();
        _slices = _informers.GetInformer<V1EndpointSlice>();
        _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAll(_ => MarkStale()));
        _slices.AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAll(_ => MarkStale()));
    }

    /// <summary>The zone as of the last rebuild; before the first one it answers SERVFAIL to names it cannot vouch for.</summary>
    public ClusterDnsZone Current => Volatile.Read(ref _current);

    public long RebuildCount => Interlocked.Read(ref _rebuilds);

    /// <summary>Completes with the first snapshot built from complete lists; cancelled if the run ends before.</summary>
    public Task FirstBuild => _built.Task;

    /// <summary>Starts the informers (if owned), waits for their first list, then rebuilds on change until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        _informers.Start();
        try
        {
            await Task.WhenAll(_services.WaitForCacheSyncAsync(ct), _slices.WaitForCacheSyncAsync(ct)).ConfigureAwait(false);
            Rebuild();
            DnsLog.RecordsReady(_logger, _options.Zone, Current.DnsServiceIps.Count);
            while (!ct.IsCancellationRequested)
            {
                await _wake.WaitAsync(ct).ConfigureAwait(false);
                await Task.Delay(_options.MinRebuildInterval, _options.Time, ct).ConfigureAwait(false);
                Rebuild();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _built.TrySetCanceled(CancellationToken.None);
            if (_ownsInformers)
            {
                await _informers.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void Rebuild()
    {
        var snapshot = ClusterDnsSnapshot.Build(_services.Lister.List(), _slices.Lister.List(), _options.Time.GetUtcNow().ToUnixTimeSeconds());
        var dnsService = snapshot.Find(_options.DnsServiceNamespace, _options.DnsServiceName);
        IReadOnlyList<IPAddress> nsAddresses = dnsService?.ClusterIps ?? [];
        Volatile.Write(ref _current, new ClusterDnsZone(_zone, snapshot, _options.Ttl, nsAddresses));
        Interlocked.Increment(ref _rebuilds);
        _built.TrySetResult();
        DnsLog.Rebuilt(_logger, snapshot.Count);
    }

    private void MarkStale()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A rebuild is already pending: it will read this change from the cache.
        }
    }
}
