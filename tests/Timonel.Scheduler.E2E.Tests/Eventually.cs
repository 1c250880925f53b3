namespace Timonel.Scheduler.E2E.Tests;

/// <summary>
/// Polls a condition that the system reaches asynchronously (watch → scheduler → binding). The
/// limit is generous and only bounds a hang; speed is measured in bench/, not asserted here.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task WaitAsync(Func<Task<bool>> condition, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(failure());
            }
            await Task.Delay(100);
        }
    }
}
