using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;

namespace Timonel.Client.Events;

/// <summary>Who records: the component (e.g. "scheduler") and the host it runs on.</summary>
public sealed record EventSource(string Component, string? Host = null);

/// <summary>
/// Records core/v1 Events about objects. <see cref="Record"/> never blocks: events go to a bounded
/// queue (a full queue drops the event with a log line) written by one background task. A repeat
/// of the same (object, type, reason, message) within the aggregation cache becomes a merge patch
/// of the existing Event: count + 1 and a new lastTimestamp, as upstream recorders do. If that
/// Event is gone (deleted or expired), a new one is created. Each source writes at most 25 events
/// about one object at once, then one per 5 minutes (<see cref="EventSpamFilter"/>, as upstream).
/// </summary>
public sealed class EventRecorder : IAsyncDisposable
{
    private const int QueueCapacity = 1000;
    private const int AggregationCacheSize = 4096;

    private readonly ApiConnection _api;
    private readonly EventSource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Corev1Event> _queue =
        Channel.CreateBounded<Corev1Event>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    // Written only by the writer task: the last Event written for each aggregation key.
    private readonly Dictionary<string, (string Namespace, string Name, int Count)> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();
    private readonly EventSpamFilter _spam;
    private readonly Task _writer;

    public EventRecorder(ApiConnection api, EventSource source, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(source.Component);
        _api = api;
        _source = source;
        _time = time;
        _logger = logger;
        _spam = new EventSpamFilter(time);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// type is "Normal" or "Warning"; reason is a short CamelCase word. fieldPath names a part of
    /// the object (the kubelet's <c>spec.containers{name}</c>); events about different parts never aggregate.
    /// </summary>
    public void Record(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message, string? fieldPath = null)
    {
        var precise = _time.GetUtcNow().UtcDateTime;
        // Event timestamps are metav1.Time: whole seconds on the wire.
        var now = precise.AddTicks(-(precise.Ticks % TimeSpan.TicksPerSecond));
        var meta = obj.Metadata;
        var ns = string.IsNullOrEmpty(meta.NamespaceProperty) ? "default" : meta.NamespaceProperty;
        var info = ResourceTable.For(obj.GetType());
        var e = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                NamespaceProperty = ns,
                // Unique per event; the object's name keeps `kubectl get events` readable.
                Name = $"{meta.Name}.{(precise.Ticks - DateTime.UnixEpoch.Ticks) * 100:x}",
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = string.IsNullOrEmpty(obj.ApiVersion) ? info.ApiVersion : obj.ApiVersion,
                Kind = string.IsNullOrEmpty(obj.Kind) ? info.Kind : obj.Kind,
                Name = meta.Name,
                NamespaceProperty = meta.NamespaceProperty,
                Uid = meta.Uid,
                ResourceVersion = meta.ResourceVersion,
                FieldPath = fieldPath,
            },
            Reason = reason,
            Message = message,
            Type = type,
            Source = new V1EventSource { Component = _source.Component, Host = _source.Host },
            ReportingComponent = _source.Component,
            ReportingInstance = _source.Host ?? "",
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        if (!_queue.Writer.TryWrite(e))
        {
            EventLog.Dropped(_logger, reason, meta.Name);
        }
    }

    public void Normal(IKubernetesObject<V1ObjectMeta> obj, string reason, string message) => Record(obj, "Normal", reason, message);
    public void Warning(IKubernetesObject<V1ObjectMeta> obj, string reason, string message) => Record(obj, "Warning", reason, message);

    private async Task WriteLoopAsync()
    {
        await foreach (var e in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(e).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                EventLog.WriteFailed(_logger, e.Reason, e.InvolvedObject.Name, ex.Message);
            }
        }
    }

    private async Task WriteAsync(Corev1Event e)
    {
        if (!_spam.Allow(EventSpamFilter.KeyOf(e)))
        {
            return;
        }
        var key = string.Join('\0', e.InvolvedObject.Kind, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Name,
            e.InvolvedObject.Uid, e.InvolvedObject.FieldPath, e.Type, e.Reason, e.Message, e.Source.Component, e.Source.Host);
        if (_recent.TryGetValue(key, out var last))
        {
            var count = last.Count + 1;
            var patch = $$"""{"count":{{count.ToString(CultureInfo.InvariantCulture)}},"lastTimestamp":"{{e.LastTimestamp!.Value.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""";
            var patched = await _api.PatchAsync<Corev1Event>(last.Namespace, last.Name, PatchType.Merge, patch).ConfigureAwait(false);
            if (patched.Ok)
            {
                _recent[key] = (last.Namespace, last.Name, count);
                return;
            }
            if (!patched.IsNotFound)
            {
                EventLog.WriteFailed(_logger, e.Reason, e.InvolvedObject.Name, patched.ToString());
                return;
            }
        }
        var created = await _api.CreateAsync(e).ConfigureAwait(false);
        if (!created.Ok)
        {
            EventLog.WriteFailed(_logger, e.Reason, e.InvolvedObject.Name, created.ToString());
            return;
        }
        if (!_recent.ContainsKey(key))
        {
            _recentOrder.Enqueue(key);
            if (_recentOrder.Count > AggregationCacheSize)
            {
                _recent.Remove(_recentOrder.Dequeue());
            }
        }
        _recent[key] = (e.Metadata.NamespaceProperty, e.Metadata.Name, 1);
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}

internal static partial class EventLog
{
    [LoggerMessage(EventId = 5400, Level = LogLevel.Warning, Message = "event queue full: dropped event {Reason} about {Name}")]
    public static partial void Dropped(ILogger logger, string reason, string name);

    [LoggerMessage(EventId = 5401, Level = LogLevel.Warning, Message = "could not write event {Reason} about {Name}: {Error}")]
    public static partial void WriteFailed(ILogger logger, string reason, string name, string error);
}
