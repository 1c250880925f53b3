using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;

namespace Timonel.Client.Informers;

/// <summary>Options of every informer a factory makes.</summary>
public sealed record SharedInformerOptions
{
    /// <summary>Only this namespace; null watches all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>How often handlers get OnUpdate(obj, obj) for everything; zero turns resync off.</summary>
    public TimeSpan ResyncPeriod { get; init; }

    /// <summary>
    /// A field selector sent with every list and watch (e.g. <c>spec.nodeName=n1</c> for a node
    /// agent's pods); null lists everything. An object that stops matching is seen as deleted.
    /// </summary>
    public string? FieldSelector { get; init; }
}

/// <summary>
/// One informer per type per factory, shared by every component of the process that asks for it,
/// so a type is listed and watched once. Informers asked for after <see cref="Start"/> start at once.
/// </summary>
public sealed class SharedInformerFactory : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly ApiConnection _api;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly SharedInformerOptions _options;
    private readonly Dictionary<Type, object> _informers = [];
    private readonly Dictionary<Timonel.Api.Scheme.ResourceInfo, Informer<PartialObjectMetadata>> _metadataInformers = [];
    private readonly List<Action> _pendingMetadataObservers = [];
    private readonly List<Func<Task>> _pendingStarts = [];
    private readonly List<Task> _running = [];
    private readonly List<Func<CancellationToken, Task>> _syncWaits = [];
    private readonly CancellationTokenSource _stop = new();
    private bool _started;

    public SharedInformerFactory(ApiConnection api, TimeProvider time, ILoggerFactory? loggers = null, SharedInformerOptions? options = null)
    {
        _api = api;
        _time = time;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _options = options ?? new SharedInformerOptions();
    }

    /// <summary>The shared informer of <typeparamref name="T"/>.</summary>
    public IInformer<T> GetInformer<T>() where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            if (_informers.TryGetValue(typeof(T), out var existing))
            {
                return (IInformer<T>)existing;
            }
            var informer = Add(InformerSource<T>.Typed<T>(_api));
            _informers[typeof(T)] = informer;
            return informer;
        }
    }

    /// <summary>
    /// Registers a handler that sees every object of <paramref name="resource"/> (whose model is
    /// <typeparamref name="T"/>) only by its metadata, as upstream's garbage collector does. Through
    /// the type's shared informer when some component asked for it by <see cref="Start"/> (it holds
    /// the objects anyway), else through a metadata-only list and watch, so nobody keeps every
    /// ConfigMap and Secret of the cluster in memory just to know their owners. Returns the wait
    /// for that informer's sync.
    /// </summary>
    public Func<CancellationToken, Task> ObserveMetadata<T>(Timonel.Api.Scheme.ResourceInfo resource, IResourceEventHandler<V1ObjectMeta> handler)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var chosen = new TaskCompletionSource<Func<CancellationToken, Task>>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Resolve() => chosen.SetResult(AttachMetadataObserver<T>(resource, handler));
        bool started;
        lock (_lock)
        {
            started = _started;
            if (!started) _pendingMetadataObservers.Add(Resolve);
        }
        if (started) Resolve();
        return async ct => await (await chosen.Task.WaitAsync(ct).ConfigureAwait(false))(ct).ConfigureAwait(false);
    }

    private Func<CancellationToken, Task> AttachMetadataObserver<T>(Timonel.Api.Scheme.ResourceInfo resource, IResourceEventHandler<V1ObjectMeta> handler)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        IInformer<T>? typed;
        lock (_lock)
        {
            typed = _informers.TryGetValue(typeof(T), out var existing) ? (IInformer<T>)existing : null;
        }
        if (typed is not null)
        {
            typed.AddEventHandler(MetadataOf<T>(handler));
            return typed.WaitForCacheSyncAsync;
        }
        Informer<PartialObjectMetadata> metadata;
        lock (_lock)
        {
            if (!_metadataInformers.TryGetValue(resource, out metadata!))
            {
                metadata = Add(InformerSource<PartialObjectMetadata>.Metadata(_api, resource));
                _metadataInformers[resource] = metadata;
            }
        }
        metadata.AddEventHandler(MetadataOf<PartialObjectMetadata>(handler));
        return metadata.WaitForCacheSyncAsync;
    }

    private static ResourceEventHandler<TObject> MetadataOf<TObject>(IResourceEventHandler<V1ObjectMeta> handler)
        where TObject : class, IKubernetesObject<V1ObjectMeta> => new()
    {
        Added = o => handler.OnAdd(o.Metadata),
        Updated = (o, n) => handler.OnUpdate(o.Metadata, n.Metadata),
        Deleted = (o, unknown) => handler.OnDelete(o.Metadata, unknown),
    };

    /// <summary>A new informer from <paramref name="source"/>, started now or by <see cref="Start"/>. Called under the lock.</summary>
    private Informer<TObject> Add<TObject>(InformerSource<TObject> source) where TObject : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = new Informer<TObject>(source, _options.Namespace, _time,
            _loggers.CreateLogger("Timonel.Client.Informer"), _options.ResyncPeriod, _options.FieldSelector);
        _syncWaits.Add(informer.WaitForCacheSyncAsync);
        if (_started)
        {
            _running.Add(Task.Run(() => informer.RunAsync(_stop.Token)));
        }
        else
        {
            _pendingStarts.Add(() => informer.RunAsync(_stop.Token));
        }
        return informer;
    }

    /// <summary>Starts every informer asked for so far (and later ones as they are asked for).</summary>
    public void Start()
    {
        // Metadata observers choose their informer now that every component has asked for its own.
        List<Action> observers;
        lock (_lock)
        {
            observers = [.. _pendingMetadataObservers];
            _pendingMetadataObservers.Clear();
        }
        foreach (var resolve in observers) resolve();
        lock (_lock)
        {
            _started = true;
            foreach (var start in _pendingStarts)
            {
                _running.Add(Task.Run(start));
            }
            _pendingStarts.Clear();
            observers = [.. _pendingMetadataObservers];
            _pendingMetadataObservers.Clear();
        }
        // Any asked for while the first ones were resolved: started at once now.
        foreach (var resolve in observers) resolve();
    }

    /// <summary>Waits until every informer asked for so far has synced.</summary>
    public Task WaitForCacheSyncAsync(CancellationToken ct = default)
    {
        List<Func<CancellationToken, Task>> waits;
        lock (_lock)
        {
            waits = [.. _syncWaits];
        }
        return Task.WhenAll(waits.Select(w => w(ct)));
    }

    /// <summary>Stops every informer and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_lock)
        {
            running = [.. _running];
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        _stop.Dispose();
    }
}
