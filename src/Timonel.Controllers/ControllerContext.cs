using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Events;
using Timonel.Client.Informers;

namespace Timonel.Controllers;

/// <summary>What every controller is built from: the API, the shared informers, events, settings.</summary>
public sealed record ControllerContext(
    ApiConnection Api,
    SharedInformerFactory Informers,
    Func<string, EventRecorder> Recorders,
    ControllerManagerOptions Options,
    ILoggerFactory Loggers)
{
    public TimeProvider Time => Options.Time;

    /// <summary>
    /// The event recorder of one controller, named as upstream's event source (e.g.
    /// "deployment-controller"), which `kubectl describe` shows in its From column.
    /// </summary>
    public EventRecorder EventsFrom(string component) => Recorders(component);
}

/// <summary>A controller the manager runs until stopped: it waits for its caches, then reconciles.</summary>
public interface IRunnableController
{
    string Name { get; }
    Task RunAsync(CancellationToken ct);
}
