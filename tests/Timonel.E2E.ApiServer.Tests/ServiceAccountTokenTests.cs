using System.Text.Json;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>
/// serviceaccounts/token through the real kubectl: <c>kubectl create token</c> prints a token that
/// <c>kubectl --token=... auth whoami</c> accepts as the service account, until the server's key
/// changes (it does not across restarts).
/// </summary>
public sealed class ServiceAccountTokenTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Create_token_prints_a_token_that_authenticates_as_the_service_account()
    {
        await f.Ok("create", "namespace", "sa-tok");
        await f.Ok("create", "serviceaccount", "robot", "-n", "sa-tok");
        var token = (await f.Ok("create", "token", "robot", "-n", "sa-tok")).Trim();
        Assert.Equal(3, token.Split('.').Length);

        var (user, groups) = await WhoAmIAsync(f.Kubectl, token);
        Assert.Equal("system:serviceaccount:sa-tok:robot", user);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:sa-tok", "system:authenticated"], groups);

        // A token for another audience, or one whose signature does not match, is not accepted here.
        var foreign = (await f.Ok("create", "token", "robot", "-n", "sa-tok", "--audience=https://example.test")).Trim();
        Assert.NotEqual(0, (await f.Kubectl.RunAsync("--token=" + foreign, "auth", "whoami")).ExitCode);
        var parts = token.Split('.');
        var tampered = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
        var refused = await f.Kubectl.RunAsync("--token=" + tampered, "auth", "whoami");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Unauthorized", refused.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_account_short_duration_and_missing_bound_pod_are_refused_with_upstream_words()
    {
        await f.Ok("create", "namespace", "sa-bad");
        await f.Ok("create", "serviceaccount", "robot", "-n", "sa-bad");
        var unknown = await f.Kubectl.RunAsync("create", "token", "ghost", "-n", "sa-bad");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("serviceaccounts \"ghost\" not found", unknown.Stderr, StringComparison.Ordinal);

        var brief = await f.Kubectl.RunAsync("create", "token", "robot", "-n", "sa-bad", "--duration=1m");
        Assert.NotEqual(0, brief.ExitCode);
        Assert.Contains("may not specify a duration less than 10 minutes", brief.Stderr, StringComparison.Ordinal);

        var unbound = await f.Kubectl.RunAsync("create", "token", "robot", "-n", "sa-bad", "--bound-object-kind=Pod", "--bound-object-name=nopod");
        Assert.NotEqual(0, unbound.ExitCode);
        Assert.Contains("pods \"nopod\" not found", unbound.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_bound_pod_or_the_account_revokes_its_tokens()
    {
        await f.Ok("create", "namespace", "sa-bind");
        await f.Ok("create", "serviceaccount", "robot", "-n", "sa-bind");
        await f.Ok("run", "p", "--image=busybox", "-n", "sa-bind");
        var bound = (await f.Ok("create", "token", "robot", "-n", "sa-bind", "--bound-object-kind=Pod", "--bound-object-name=p")).Trim();
        var plain = (await f.Ok("create", "token", "robot", "-n", "sa-bind")).Trim();
        Assert.Equal("system:serviceaccount:sa-bind:robot", (await WhoAmIAsync(f.Kubectl, bound)).User);

        await f.Ok("delete", "pod", "p", "-n", "sa-bind", "--grace-period=0", "--force");
        Assert.NotEqual(0, (await f.Kubectl.RunAsync("--token=" + bound, "auth", "whoami")).ExitCode);
        Assert.Equal("system:serviceaccount:sa-bind:robot", (await WhoAmIAsync(f.Kubectl, plain)).User);

        // Same name, new uid: the old token stays refused.
        await f.Ok("delete", "serviceaccount", "robot", "-n", "sa-bind");
        await f.Ok("create", "serviceaccount", "robot", "-n", "sa-bind");
        Assert.NotEqual(0, (await f.Kubectl.RunAsync("--token=" + plain, "auth", "whoami")).ExitCode);
    }

    [Fact]
    public async Task A_token_stays_valid_across_a_server_restart()
    {
        await using var server = await ServerProcess.StartNewAsync("--disable-scheduler", "--disable-controllers");
        using var kubectl = new Kubectl(server);
        Assert.Equal(0, (await kubectl.RunAsync("create", "serviceaccount", "keeper", "-n", "default")).ExitCode);
        var created = await kubectl.RunAsync("create", "token", "keeper", "-n", "default", "--duration=2h");
        Assert.True(created.ExitCode == 0, created.All);
        var token = created.Stdout.Trim();

        server.Kill();
        await server.StartAsync();
        var (user, _) = await WhoAmIAsync(kubectl, token);
        Assert.Equal("system:serviceaccount:default:keeper", user);
    }

    private static async Task<(string User, List<string> Groups)> WhoAmIAsync(Kubectl kubectl, string token)
    {
        var r = await kubectl.RunAsync("--token=" + token, "auth", "whoami", "-o", "json");
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.Stdout);
        var info = doc.RootElement.GetProperty("status").GetProperty("userInfo");
        return (info.GetProperty("username").GetString()!,
            info.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToList());
    }
}
