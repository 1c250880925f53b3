using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Events;
using Timonel.Client.Informers;

namespace Timonel.Controllers;

/// <summary>
/// Runs every controller against the API server, sharing one informer per type. Each controller
/// registers its informers and handlers in its constructor; the manager then starts the informers
/// and runs all controllers until stopped. A controller that fails stops the manager with its cause.
/// </summary>
public sealed class ControllerManager : IAsyncDisposable
{
    /// <summary>The controllers `timonel server` runs, in start order.</summary>
    public static IReadOnlyList<Func<ControllerContext, IRunnableController>> Builtin =>
        [.. BuiltinControllers.Lifecycle, .. BuiltinControllers.Workloads, .. BuiltinControllers.Networking];

    private readonly SharedInformerFactory _informers;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EventRecorder> _recorders = new(StringComparer.Ordinal);
    private readonly List<IRunnableController> _controllers;
    private readonly ILogger _logger;

    public ControllerManager(ApiConnection api, ControllerManagerOptions options, ILoggerFactory loggers,
        IEnumerable<Func<ControllerContext, IRunnableController>>? controllers = null)
    {
        _informers = new SharedInformerFactory(api, options.Time, loggers);
        var eventLog = loggers.CreateLogger("timonel.events");
        var context = new ControllerContext(api, _informers,
            component => _recorders.GetOrAdd(component, c => new EventRecorder(api, new EventSource(c), options.Time, eventLog)), options, loggers);
        _controllers = (controllers ?? Builtin).Select(f => f(context)).ToList();
        _logger = loggers.CreateLogger("timonel.controller-manager");
    }

    public IReadOnlyList<string> Names => _controllers.Select(c => c.Name).ToList();

    public async Task RunAsync(CancellationToken ct)
    {
        _informers.Start();
        ControllerManagerLog.Starting(_logger, string.Join(", ", Names));
        // Runs until stopped, even with no controllers; a controller that throws ends it with its cause.
        var stopped = Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        await Task.WhenAll(_controllers.Select(c => c.RunAsync(ct)).Append(stopped));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var recorder in _recorders.Values) await recorder.DisposeAsync();
        await _informers.DisposeAsync();
    }
}

internal static partial class ControllerManagerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "controller manager starting: {Controllers}")]
    public static partial void Starting(ILogger logger, string controllers);
}
