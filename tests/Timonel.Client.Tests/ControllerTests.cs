using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Controllers;

namespace Timonel.Client.Tests;

public sealed class ControllerTests
{
    /// <summary>Fails a key a given number of times (once by throwing), then succeeds.</summary>
    private sealed class FlakyController(FakeTimeProvider clock, int failures) : Controller("flaky", clock, NullLogger.Instance)
    {
        public ConcurrentQueue<string> Attempts { get; } = new();
        public TaskCompletionSource Succeeded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task<SyncResult> SyncAsync(string key, CancellationToken ct)
        {
            Attempts.Enqueue(key);
            var n = Attempts.Count;
            if (n == 1)
            {
                throw new InvalidOperationException("a bug in the first attempt");
            }
            if (n <= failures)
            {
                return Task.FromResult(SyncResult.Failed("not ready"));
            }
            Succeeded.TrySetResult();
            return Task.FromResult(SyncResult.Done);
        }
    }

    [Fact]
    public async Task FailedSyncsAreRetriedWithBackoffAndSuccessForgetsTheFailures()
    {
        var clock = new FakeTimeProvider();
        var controller = new FlakyController(clock, failures: 3);
        using var cts = new CancellationTokenSource();
        var run = controller.RunAsync(2, [], cts.Token);
        controller.Queue.Add("ns/a");

        // Retries wait at least 5, 10, 20 ms of the fake clock: nothing happens until it moves.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await Wait.UntilAsync(() => controller.Attempts.Count == attempt && controller.Queue.NumRequeues("ns/a") == attempt, $"attempt {attempt} failed");
            var waited = 0;
            await Wait.UntilAsync(() =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
                waited++;
                return controller.Attempts.Count > attempt;
            }, $"attempt {attempt + 1} starts");
            Assert.True(waited >= 5 << (attempt - 1), $"retry {attempt} came after {waited} ms");
        }
        await controller.Succeeded.Task.WaitAsync(Wait.Long);
        await Wait.UntilAsync(() => controller.Queue.NumRequeues("ns/a") == 0, "success forgets the failures");
        Assert.Equal(4, controller.Attempts.Count);

        await cts.CancelAsync();
        await run.WaitAsync(Wait.Long);
        Assert.True(controller.Queue.ShuttingDown);
    }
}
