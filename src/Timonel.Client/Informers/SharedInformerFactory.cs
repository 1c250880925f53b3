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
            var informer = new Informer<T>(_api, _options.Namespace, _time,
                _loggers.CreateLogger("Timonel.Client.Informer"), _options.ResyncPeriod, _options.FieldSelector);
            _informers[typeof(T)] = informer;
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
    }

    /// <summary>Starts every informer asked for so far (and later ones as they are asked for).</summary>
    public void Start()
    {
        lock (_lock)
        {
            _started = true;
            foreach (var start in _pendingStarts)
            {
                _running.Add(Task.Run(start));
            }
            _pendingStarts.Clear();
        }
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
