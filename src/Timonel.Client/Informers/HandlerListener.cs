using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Timonel.Client.Informers;

/// <summary>
/// One registered handler: an unbounded FIFO of notifications drained by one task, so the
/// informer never waits for a handler and one handler never runs concurrently with itself.
/// The FIFO holds references to cached objects only, no copies.
/// </summary>
internal sealed class HandlerListener<T>
{
    private enum Kind { Add, Update, Delete }

    private readonly record struct Notification(Kind Kind, T? Old, T New, bool FinalStateUnknown);

    private readonly Channel<Notification> _channel =
        Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IResourceEventHandler<T> _handler;
    private readonly ILogger _logger;
    private readonly string _resource;

    public HandlerListener(IResourceEventHandler<T> handler, ILogger logger, string resource)
    {
        _handler = handler;
        _logger = logger;
        _resource = resource;
        Completion = Task.Run(DrainAsync);
    }

    public Task Completion { get; }

    public void Added(T obj) => _channel.Writer.TryWrite(new(Kind.Add, default, obj, false));
    public void Updated(T old, T obj) => _channel.Writer.TryWrite(new(Kind.Update, old, obj, false));
    public void Deleted(T obj, bool finalStateUnknown) => _channel.Writer.TryWrite(new(Kind.Delete, default, obj, finalStateUnknown));

    public void Stop() => _channel.Writer.TryComplete();

    private async Task DrainAsync()
    {
        await foreach (var n in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                switch (n.Kind)
                {
                    case Kind.Add: _handler.OnAdd(n.New); break;
                    case Kind.Update: _handler.OnUpdate(n.Old!, n.New); break;
                    default: _handler.OnDelete(n.New, n.FinalStateUnknown); break;
                }
            }
#pragma warning disable CA1031 // A handler's bug must not stop the notifications of the others.
            catch (Exception e)
#pragma warning restore CA1031
            {
                InformerLog.HandlerFailed(_logger, _resource, e);
            }
        }
    }
}
