using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Events;
using Timonel.Client.Informers;
using Timonel.Scheduler.Algorithm;

namespace Timonel.Scheduler.Hosting;

/// <summary>
/// The scheduler as a client of the API: informers for nodes, pods, services, controllers and
/// disruption budgets feed <see cref="PodScheduler"/>; one loop takes pods from its queue and the
/// decisions go back to the API through <see cref="ApiDecisionSink"/>. The loop sleeps until a
/// notification arrives (or 100 ms pass, for backoff timers).
/// </summary>
public sealed class SchedulerService(ApiConnection api, SchedulerOptions options, TimeProvider time, ILoggerFactory loggers)
{
    private const int BindingConcurrency = 64;
    private readonly SemaphoreSlim _wake = new(0);

    public async Task RunAsync(CancellationToken ct)
    {
        await using var informers = new SharedInformerFactory(api, time, loggers);
        await using var events = new EventRecorder(api, new EventSource("default-scheduler"), time, loggers.CreateLogger("timonel.scheduler.events"));
        var sink = new ApiDecisionSink(api, events, BindingConcurrency);
        var scheduler = new PodScheduler(options, time, sink);
        sink.Scheduler = scheduler;

        Watch(informers.GetInformer<V1Node>(), scheduler.OnNodeAdded, scheduler.OnNodeUpdated, n => scheduler.OnNodeDeleted(n.Metadata.Name));
        Watch(informers.GetInformer<V1Pod>(), scheduler.OnPodAdded, scheduler.OnPodUpdated, scheduler.OnPodDeleted);
        Watch(informers.GetInformer<V1Service>(),
            s => scheduler.Workloads.SetService(s.Metadata.NamespaceProperty, s.Metadata.Name, s.Spec?.Selector),
            s => scheduler.Workloads.SetService(s.Metadata.NamespaceProperty, s.Metadata.Name, s.Spec?.Selector),
            s => scheduler.Workloads.SetService(s.Metadata.NamespaceProperty, s.Metadata.Name, null));
        Watch(informers.GetInformer<V1ReplicaSet>(),
            r => scheduler.Workloads.SetController("ReplicaSet", r.Metadata.NamespaceProperty, r.Metadata.Name, r.Spec?.Selector),
            r => scheduler.Workloads.SetController("ReplicaSet", r.Metadata.NamespaceProperty, r.Metadata.Name, r.Spec?.Selector),
            r => scheduler.Workloads.SetController("ReplicaSet", r.Metadata.NamespaceProperty, r.Metadata.Name, null));
        Watch(informers.GetInformer<V1PodDisruptionBudget>(), scheduler.Budgets.Set, scheduler.Budgets.Set,
            p => scheduler.Budgets.Remove(p.Metadata.NamespaceProperty, p.Metadata.Name));
        informers.Start();
        await informers.WaitForCacheSyncAsync(ct);
        SchedulerLog.Started(loggers.CreateLogger("timonel.scheduler"));

        while (!ct.IsCancellationRequested)
        {
            if (scheduler.ScheduleOne() is not null)
            {
                continue;
            }
            try
            {
                await _wake.WaitAsync(TimeSpan.FromMilliseconds(100), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Watch<T>(IInformer<T> informer, Action<T> added, Action<T> updated, Action<T> deleted)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        informer.AddEventHandler(new ResourceEventHandler<T>
        {
            Added = o => { added(o); Wake(); },
            Updated = (_, o) => { updated(o); Wake(); },
            Deleted = (o, _) => { deleted(o); Wake(); },
        });
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }
}

internal static partial class SchedulerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "scheduler started (default-scheduler)")]
    public static partial void Started(ILogger logger);
}
