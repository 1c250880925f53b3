using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;

namespace Timonel.Network.LoadBalancer;

/// <summary>Tuning of the announcer's loop.</summary>
public sealed record LoadBalancerAnnouncerOptions
{
    /// <summary>At most one apply per interval: events in between are folded into the next.</summary>
    public TimeSpan MinSyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the link is checked even without events (someone may have removed an address).</summary>
    public TimeSpan VerifyInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait after a failed apply before the next attempt.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>
/// The agent's half of the built-in load balancer (MetalLB's speaker in L2 mode): from the
/// Services' status.loadBalancer.ingress, the Nodes and the EndpointSlices (informers) it computes
/// which addresses this node wins (<see cref="AnnouncerElection"/>) and has the
/// <see cref="AddressAnnouncer"/> hold exactly those. Handlers only mark it dirty; one loop applies.
/// Addresses stay on the link when the agent stops (traffic keeps flowing through a restart);
/// the next start removes those it no longer wins.
/// </summary>
public sealed class LoadBalancerAnnouncer
{
    private const string ByServiceIndex = "lb-announcer-by-service";
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    private readonly string _nodeName;
    private readonly IPAddress _nodeIp;
    private readonly LoadBalancerAnnouncerOptions _options;
    private readonly ILogger _logger;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1EndpointSlice> _slices;
    private readonly IInformer<V1Node> _nodes;
    private readonly AddressAnnouncer _announcer;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _dirty;

    /// <summary>Asks for its informers here: construct before the factory is started.</summary>
    public LoadBalancerAnnouncer(SharedInformerFactory informers, string nodeName, IPAddress nodeIp, string stateDir,
        ILinkCommands link, LoadBalancerAnnouncerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(informers);
        _nodeName = nodeName;
        _nodeIp = nodeIp;
        _options = options ?? new LoadBalancerAnnouncerOptions();
        _logger = _options.Loggers.CreateLogger("timonel.network.lbannouncer");
        _announcer = new AddressAnnouncer(nodeIp, link, stateDir, _logger);
        _services = informers.GetInformer<V1Service>();
        _slices = informers.GetInformer<V1EndpointSlice>();
        _nodes = informers.GetInformer<V1Node>();
        _slices.AddIndex(ByServiceIndex, slice =>
            slice.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var service) == true
                ? [slice.Metadata.NamespaceProperty + "/" + service]
                : []);
        _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAll(_ => MarkDirty()));
        _slices.AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAll(_ => MarkDirty()));
        _nodes.AddEventHandler(ResourceEventHandler<V1Node>.ForAll(_ => MarkDirty()));
    }

    /// <summary>The addresses this node answers for after the last apply (a snapshot).</summary>
    public IReadOnlySet<string> Held => _announcer.Held;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(_services.WaitForCacheSyncAsync(ct), _slices.WaitForCacheSyncAsync(ct), _nodes.WaitForCacheSyncAsync(ct)).ConfigureAwait(false);
            AnnouncerLog.Started(_logger, _nodeName, _nodeIp.ToString());
            using var verifyTimer = _options.Time.CreateTimer(_ => MarkDirty(), null, _options.VerifyInterval, _options.VerifyInterval);
            MarkDirty();
            while (!ct.IsCancellationRequested)
            {
                await _wake.WaitAsync(ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _dirty, 0);
                if (await _announcer.ApplyAsync(Wanted(), ct).ConfigureAwait(false) is { } error)
                {
                    AnnouncerLog.ApplyFailed(_logger, error);
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
    }

    /// <summary>The addresses this node wins, from the caches (read-only objects).</summary>
    internal HashSet<string> Wanted() =>
        AnnouncerElection.Assignments(_services.Lister.List(),
                s => _slices.Lister.ByIndex(ByServiceIndex, s.Metadata.NamespaceProperty + "/" + s.Metadata.Name),
                _nodes.Lister.List())
            .Where(kv => kv.Value == _nodeName)
            .Select(kv => kv.Key)
            .ToHashSet(StringComparer.Ordinal);

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
                // Already awake: the pending apply sees this change.
            }
        }
    }
}
