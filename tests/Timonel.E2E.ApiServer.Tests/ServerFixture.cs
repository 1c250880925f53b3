namespace Timonel.E2E.ApiServer.Tests;

/// <summary>One server and one kubectl home shared by the tests of a class; each test uses its own namespace.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartNewAsync();
        Kubectl = new Kubectl(Server);
    }

    public async Task DisposeAsync()
    {
        Kubectl.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Runs kubectl and fails the test with its output when it does not exit 0.</summary>
    public async Task<string> Ok(params string[] args)
    {
        var r = await Kubectl.RunAsync(args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}");
        return r.Stdout;
    }

    public async Task<string> OkWithInput(string stdin, params string[] args)
    {
        var r = await Kubectl.RunWithInputAsync(stdin, args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}");
        return r.Stdout;
    }

    /// <summary>Table output as rows of whitespace-separated cells, header first.</summary>
    public static List<string[]> Rows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim(), @"\s{2,}"))
            .ToList();
}
