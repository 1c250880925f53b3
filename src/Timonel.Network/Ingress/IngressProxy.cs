using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Network.Ingress;

/// <summary>
/// The built-in Ingress controller of one node: Ingresses, IngressClasses, Services,
/// EndpointSlices and Secrets from informers → an immutable <see cref="IngressRouteTable"/> and
/// <see cref="IngressCertificates"/>, rebuilt whole after changes (events only mark it dirty;
/// one loop rebuilds, at most once per <see cref="IngressOptions.MinRebuildInterval"/>) and
/// swapped atomically under requests in flight → <see cref="IngressServer"/> on the node's
/// ports 80 and 443. The server starts once the caches are in and the first table is built, so
/// it never answers from an empty table.
/// </summary>
public sealed class IngressProxy : IIngressSource
{
    private const string ByServiceIndex = "ingress-by-service";
    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private static readonly TimeSpan BindRetryInterval = TimeSpan.FromSeconds(5);

    private readonly IngressOptions _options;
    private readonly ILogger _logger;
    private readonly SharedInformerFactory _informers;
    private readonly bool _ownsInformers;
    private readonly IInformer<V1Ingress> _ingresses;
    private readonly IInformer<V1IngressClass> _classes;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1EndpointSlice> _slices;
    private readonly IInformer<V1Secret> _secrets;
    private readonly IngressCertificateStore _certificateStore = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IngressRouteTable _table = IngressRouteTable.Empty;
    private IngressCertificates _certificates;
    private int _dirty;
    private long _builds;

    public IngressProxy(ApiConnection api, IngressOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        _options = options ?? new IngressOptions();
        _logger = _options.Loggers.CreateLogger("timonel.network.ingress");
        _ownsInformers = _options.Informers is null;
        _informers = _options.Informers ?? new SharedInformerFactory(api, _options.Time, _options.Loggers);
        _certificates = new IngressCertificates(new Dictionary<string, System.Net.Security.SslStreamCertificateContext>(),
            new Dictionary<string, System.Net.Security.SslStreamCertificateContext>(), _certificateStore.Fallback);
        _ingresses = Watch<V1Ingress>();
        _classes = Watch<V1IngressClass>();
        _services = Watch<V1Service>();
        _slices = Watch<V1EndpointSlice>();
        _secrets = Watch<V1Secret>();
        _slices.AddIndex(ByServiceIndex, slice =>
            slice.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var service) == true
                ? [slice.Metadata.NamespaceProperty + "/" + service]
                : []);
    }

    /// <summary>The routes requests are served from now.</summary>
    public IngressRouteTable Table => Volatile.Read(ref _table);

    public IngressCertificates Certificates => Volatile.Read(ref _certificates);

    /// <summary>Completes once the ports are bound and the first table is in place.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Rebuilds so far (tests wait for one after a change).</summary>
    public long BuildCount => Interlocked.Read(ref _builds);

    public async Task RunAsync(CancellationToken ct)
    {
        _informers.Start();
        try
        {
            await Task.WhenAll(_ingresses.WaitForCacheSyncAsync(ct), _classes.WaitForCacheSyncAsync(ct), _services.WaitForCacheSyncAsync(ct),
                _slices.WaitForCacheSyncAsync(ct), _secrets.WaitForCacheSyncAsync(ct)).ConfigureAwait(false);
            Interlocked.Exchange(ref _dirty, 0);
            Rebuild();
            await using var server = await BindAsync(ct).ConfigureAwait(false);
            _ready.TrySetResult();
            while (!ct.IsCancellationRequested)
            {
                await _wake.WaitAsync(ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _dirty, 0);
                Rebuild();
                await Task.Delay(_options.MinRebuildInterval, _options.Time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _ready.TrySetCanceled(CancellationToken.None);
            if (_ownsInformers)
            {
                await _informers.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Starts the server, retrying while a port is taken (another program on the node's 80/443 is
    /// an operator's problem to fix, not a reason to stop the node's agent); routes stay current.
    /// </summary>
    private async Task<IngressServer> BindAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await IngressServer.StartAsync(_options, () => Table, () => Certificates, ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                IngressLog.BindFailed(_logger, _options.ListenAddress.ToString(), _options.HttpPort, _options.HttpsPort, e.Message);
            }
            await Task.Delay(BindRetryInterval, _options.Time, ct).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _dirty, 0) == 1)
            {
                Rebuild();
            }
        }
    }

    private void Rebuild()
    {
        var started = Stopwatch.GetTimestamp();
        var table = IngressRouteBuilder.Build(this);
        var problems = new List<string>();
        var served = IngressRouteBuilder.Served(this, Api.Networking.IngressClasses.From(IngressClasses()));
        var certificates = _certificateStore.Build(served, (ns, name) => _secrets.Lister.Get(ns, name), problems);
        Volatile.Write(ref _table, table);
        Volatile.Write(ref _certificates, certificates);
        Interlocked.Increment(ref _builds);
        foreach (var problem in problems)
        {
            IngressLog.TlsProblem(_logger, problem);
        }
        IngressLog.Rebuilt(_logger, table.IngressCount, certificates.HostCount, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public IEnumerable<V1Ingress> Ingresses() => _ingresses.Lister.List();

    public IEnumerable<V1IngressClass> IngressClasses() => _classes.Lister.List();

    public V1Service? Service(string ns, string name) => _services.Lister.Get(ns, name);

    public IEnumerable<V1EndpointSlice> SlicesOf(string ns, string service) => _slices.Lister.ByIndex(ByServiceIndex, ns + "/" + service);

    private IInformer<T> Watch<T>() where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var informer = _informers.GetInformer<T>();
        informer.AddEventHandler(ResourceEventHandler<T>.ForAll(_ => MarkDirty()));
        return informer;
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
                // Already awake: the pending rebuild will see this change.
            }
        }
    }
}
