using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Informers;
using Timonel.Client.Queues;

namespace Timonel.Client.Controllers;

/// <summary>What one sync decided. Expected failures are values, not exceptions.</summary>
public readonly record struct SyncResult(bool Succeeded, TimeSpan? RequeueAfter, string? Error)
{
    public static SyncResult Done { get; } = new(true, null, null);
    /// <summary>Success, but look again later (e.g. a deadline to check).</summary>
    public static SyncResult After(TimeSpan delay) => new(true, delay, null);
    /// <summary>An expected failure (conflict, dependency not ready): retried with rate limiting.</summary>
    public static SyncResult Failed(string error) => new(false, null, error);
}

/// <summary>
/// The reconcile loop of STYLE 1: event handlers only enqueue "namespace/name" keys; N workers
/// take keys and call <see cref="SyncAsync"/>, which reads informer caches, computes and writes.
/// A failure (a Failed result or an exception) re-queues the key with rate limiting; success
/// forgets its failures. The queue guarantees one key is never synced by two workers at once.
/// </summary>
public abstract class Controller
{
    protected Controller(string name, TimeProvider time, ILogger logger)
    {
        Name = name;
        Time = time;
        Logger = logger;
        Queue = new WorkQueue<string>(time);
    }

    public string Name { get; }
    protected TimeProvider Time { get; }
    protected ILogger Logger { get; }
    public WorkQueue<string> Queue { get; }

    /// <summary>Reconciles the object of this key toward its desired state.</summary>
    protected abstract Task<SyncResult> SyncAsync(string key, CancellationToken ct);

    /// <summary>Enqueues the key of an object; use from event handlers.</summary>
    public void Enqueue(IKubernetesObject<V1ObjectMeta> obj) => Queue.Add(ResourceTable.KeyOf(obj.Metadata));

    /// <summary>
    /// Waits for the informers' caches, runs workers until ct is cancelled, then shuts the queue
    /// down and waits for the syncs in progress.
    /// </summary>
    public async Task RunAsync(int workers, IEnumerable<Func<CancellationToken, Task>> cacheSyncs, CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(cacheSyncs.Select(s => s(ct))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Queue.ShutDown();
            return;
        }
        ControllerLog.Started(Logger, Name, workers);
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(ct), CancellationToken.None)).ToList();
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: workers finish the keys they hold; queued keys are dropped with the process.
        }
        Queue.ShutDown();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        ControllerLog.Stopped(Logger, Name);
    }

    /// <summary>Convenience overload taking informers.</summary>
    public Task RunAsync<T>(int workers, IInformer<T> informer, CancellationToken ct) where T : class, IKubernetesObject<V1ObjectMeta> =>
        RunAsync(workers, [informer.WaitForCacheSyncAsync], ct);

    private async Task WorkAsync(CancellationToken ct)
    {
        while (true)
        {
            var (key, shutDown) = await Queue.GetAsync(CancellationToken.None).ConfigureAwait(false);
            if (shutDown || ct.IsCancellationRequested)
            {
                if (!shutDown)
                {
                    Queue.Done(key);
                }
                return;
            }
            try
            {
                var result = await SyncAsync(key, ct).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    Queue.Forget(key);
                    if (result.RequeueAfter is { } after)
                    {
                        Queue.AddAfter(key, after);
                    }
                }
                else
                {
                    ControllerLog.SyncFailed(Logger, Name, key, result.Error ?? "", Queue.NumRequeues(key));
                    Queue.AddRateLimited(key);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopping.
            }
#pragma warning disable CA1031 // A sync bug must not kill the worker: it is logged and retried with backoff.
            catch (Exception e)
#pragma warning restore CA1031
            {
                ControllerLog.SyncThrew(Logger, Name, key, e);
                Queue.AddRateLimited(key);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }
}

internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "controller {Controller}: started {Workers} workers")]
    public static partial void Started(ILogger logger, string controller, int workers);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "controller {Controller}: stopped")]
    public static partial void Stopped(ILogger logger, string controller);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "controller {Controller}: sync of {Key} failed ({Requeues} retries so far): {Error}")]
    public static partial void SyncFailed(ILogger logger, string controller, string key, string error, int requeues);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Error, Message = "controller {Controller}: sync of {Key} threw")]
    public static partial void SyncThrew(ILogger logger, string controller, string key, Exception exception);
}
