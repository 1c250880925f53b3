namespace Timonel.Controllers.Tests;

/// <summary>The controller manager runs inside `timonel server` and says which controllers it runs.</summary>
public sealed class ManagerTests
{
    [Fact]
    public async Task Server_logs_the_controller_manager_start()
    {
        await using var server = await ServerProcess.StartNewAsync();
        for (var i = 0; i < 100 && !server.Output.Contains("controller manager starting", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }
        Assert.Contains("controller manager starting", server.Output);
    }
}
