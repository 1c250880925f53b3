using System.Text.Json.Nodes;
using Timonel.Api.Protobuf;

namespace Timonel.Api.Tests.Protobuf;

public sealed class CaptureFixture : IAsyncLifetime
{
    internal CaptureServer Server { get; private set; } = null!;

    internal Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await CaptureServer.StartAsync();
        Kubectl = new Kubectl(Server.Url);
        foreach (var (name, content) in KubectlCreateCases.InputFiles)
        {
            await File.WriteAllBytesAsync(Path.Combine(Kubectl.WorkDir, name), content);
        }
    }

    public async Task DisposeAsync()
    {
        Kubectl?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>
/// The real kubectl v1.35 against an HTTPS capture server: each `kubectl create` must succeed, send
/// protobuf, and the decoded body must equal what `kubectl create ... --dry-run=client -o json`
/// prints for the same command. The captured bytes must also equal the committed fixture; with
/// TIMONEL_WRITE_PROTOBUF_FIXTURES=1 the fixtures are (re)written instead.
/// </summary>
public sealed class KubectlProtobufTests(CaptureFixture fixture) : IClassFixture<CaptureFixture>
{
    private static readonly bool WriteFixtures =
        Environment.GetEnvironmentVariable("TIMONEL_WRITE_PROTOBUF_FIXTURES") == "1";

    [Theory]
    [MemberData(nameof(KubectlCreateCases.Names), MemberType = typeof(KubectlCreateCases))]
    public async Task KubectlCreateBodyDecodesToTheJsonKubectlPrints(string name)
    {
        var command = KubectlCreateCases.ByName(name);
        var dryRun = await fixture.Kubectl.RunAsync(command.Args, "--dry-run=client", "-o", "json");
        Assert.True(dryRun.ExitCode == 0, $"{command.CommandLine} --dry-run=client failed: {dryRun.Stderr}");

        while (fixture.Server.Requests.TryDequeue(out _))
        {
        }
        var create = await fixture.Kubectl.RunAsync(command.Args);
        Assert.True(create.ExitCode == 0, $"{command.CommandLine} failed: {create.Stderr}");
        var post = Assert.Single(fixture.Server.Requests, r => r.Method == "POST");
        Assert.True(ProtobufBody.IsProtobuf(post.ContentType), $"content type {post.ContentType}");

        Assert.True(ProtobufBody.TryDecode(post.Body, out var decoded, out var error), error?.Message);
        Assert.Equal(JsonCompare.Canonical(JsonNode.Parse(dryRun.Stdout)), JsonCompare.Canonical(decoded));

        if (WriteFixtures)
        {
            await FixtureFiles.WriteAsync(command, post.Body, dryRun.Stdout);
        }
        else
        {
            Assert.Equal(await FixtureFiles.ReadBodyAsync(name), post.Body);
        }
    }
}
