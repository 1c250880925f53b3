using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Network.Overlay;

/// <summary>Timing of the overlay's loop.</summary>
public sealed record OverlayOptions
{
    /// <summary>How often the node setup is redone and the device reconciled with no Node event (repairs hand edits).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait after a failed step before the next attempt.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>At most one reconcile per interval: Node events in between fold into the next.</summary>
    public TimeSpan MinSyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>
/// The overlay of one node. Flow: set up the node (device, forwarding, masquerade), publish the
/// VTEP on this Node's annotations, then on every Node event (and every
/// <see cref="OverlayOptions.ResyncInterval"/>) compute the peers from the informer's cache and
/// reconcile the device against them. Event handlers only mark it dirty; one loop does the work.
/// The Node informer is taken in the constructor, so that an agent starting its shared factory
/// after building its components lists Nodes once for everyone.
/// </summary>
public sealed class VxlanOverlay
{
    private readonly ApiConnection _api;
    private readonly OverlayNode _node;
    private readonly IOverlayKernel _kernel;
    private readonly OverlayOptions _options;
    private readonly ILogger _logger;
    private readonly IInformer<V1Node> _nodes;
    private readonly OverlayReconciler _reconciler;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _dirty;
    private int _resyncDue;
    private long _syncs;

    public VxlanOverlay(ApiConnection api, SharedInformerFactory informers, OverlayNode node, IOverlayKernel kernel, OverlayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(informers);
        _api = api;
        _node = node;
        _kernel = kernel;
        _options = options ?? new OverlayOptions();
        _logger = _options.Loggers.CreateLogger("timonel.network.overlay");
        _nodes = informers.GetInformer<V1Node>();
        _nodes.AddEventHandler(ResourceEventHandler<V1Node>.ForAll(_ => MarkDirty()));
        _reconciler = new OverlayReconciler(kernel, _logger);
    }

    /// <summary>Successful reconciles so far (for tests).</summary>
    public long SyncCount => Interlocked.Read(ref _syncs);

    /// <summary>
    /// Runs until cancelled. Kernel and API failures are retried; the device and its entries stay
    /// on exit, so pods keep talking across an agent restart (the next run converges them).
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await UntilOkAsync(() => _kernel.SetUpNodeAsync(_node, ct), e => OverlayLog.SetUpFailed(_logger, e), ct).ConfigureAwait(false);
            OverlayLog.Started(_logger, _node.Name, OverlayConstants.Device, OverlayConstants.Vni, OverlayConstants.UdpPort,
                _node.NodeIp.ToString(), _node.VtepIp.ToString(), _node.VtepMac, _node.PodCidr.ToString());
            await UntilOkAsync(() => PublishAsync(ct), e => OverlayLog.PublishFailed(_logger, _node.Name, e), ct).ConfigureAwait(false);
            OverlayLog.Published(_logger, _node.Name, _node.VtepMac, _node.NodeIp.ToString());
            await _nodes.WaitForCacheSyncAsync(ct).ConfigureAwait(false);
            using var resync = _options.Time.CreateTimer(_ =>
            {
                Volatile.Write(ref _resyncDue, 1);
                MarkDirty();
            }, null, _options.ResyncInterval, _options.ResyncInterval);
            MarkDirty();
            while (!ct.IsCancellationRequested)
            {
                await _wake.WaitAsync(ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _dirty, 0);
                var ok = Interlocked.Exchange(ref _resyncDue, 0) == 1
                    ? await ResyncNodeAsync(ct).ConfigureAwait(false)
                    : true;
                ok = ok && await SyncOnceAsync(ct).ConfigureAwait(false);
                if (!ok)
                {
                    Volatile.Write(ref _resyncDue, 1);
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

    private async Task<bool> SyncOnceAsync(CancellationToken ct)
    {
        var peers = OverlayPeers.From(_nodes.Lister.List(), _node);
        var sync = await _reconciler.ReconcileAsync(peers, ct).ConfigureAwait(false);
        if (!sync.Ok)
        {
            OverlayLog.SyncFailed(_logger, sync.Result.ToString());
            return false;
        }
        Interlocked.Increment(ref _syncs);
        return true;
    }

    /// <summary>The periodic part: the node setup again (a deleted device or table comes back) and the annotations if someone removed them.</summary>
    private async Task<bool> ResyncNodeAsync(CancellationToken ct)
    {
        var setUp = await _kernel.SetUpNodeAsync(_node, ct).ConfigureAwait(false);
        if (!setUp.Ok)
        {
            OverlayLog.SetUpFailed(_logger, setUp.ToString());
            return false;
        }
        var self = _nodes.Lister.Get(null, _node.Name);
        var annotations = self?.Metadata.Annotations;
        string? Annotation(string key) => annotations is not null && annotations.TryGetValue(key, out var value) ? value : null;
        if (self is not null && (Annotation(OverlayConstants.VtepMacAnnotation) != _node.VtepMac
            || Annotation(OverlayConstants.PublicIpAnnotation) != _node.NodeIp.ToString()))
        {
            var published = await PublishAsync(ct).ConfigureAwait(false);
            if (!published.Ok)
            {
                OverlayLog.PublishFailed(_logger, _node.Name, published.ToString());
                return false;
            }
        }
        return true;
    }

    /// <summary>A merge patch of the two annotations only (other writers' annotations and the status stay).</summary>
    private async Task<OverlayResult> PublishAsync(CancellationToken ct)
    {
        var annotations = new Dictionary<string, string>
        {
            [OverlayConstants.VtepMacAnnotation] = _node.VtepMac,
            [OverlayConstants.PublicIpAnnotation] = _node.NodeIp.ToString(),
        };
        var body = "{\"metadata\":{\"annotations\":" + JsonSerializer.Serialize(annotations, OverlayJson.Default.DictionaryStringString) + "}}";
        try
        {
            var result = await _api.PatchAsync<V1Node>(null, _node.Name, PatchType.Merge, body, ct: ct).ConfigureAwait(false);
            return result.Ok ? OverlayResult.Success : OverlayResult.Failed(result.ToString());
        }
        catch (HttpRequestException e)
        {
            return OverlayResult.Failed(e.Message);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            return OverlayResult.Failed("timed out: " + e.Message);
        }
    }

    private async Task UntilOkAsync(Func<Task<OverlayResult>> step, Action<string> onFailure, CancellationToken ct)
    {
        while (true)
        {
            var result = await step().ConfigureAwait(false);
            if (result.Ok)
            {
                return;
            }
            onFailure(result.ToString());
            await Task.Delay(_options.RetryInterval, _options.Time, ct).ConfigureAwait(false);
        }
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
                // Already awake: the pending pass will see this change.
            }
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class OverlayJson : System.Text.Json.Serialization.JsonSerializerContext;
