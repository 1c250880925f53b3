using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>The agent's HTTPS endpoint on a real containerd: logs from CRI log files, exec through containerd's streaming server.</summary>
public sealed partial class KubeletServerTests(ContainerdNode node) : IClassFixture<ContainerdNode>, IAsyncLifetime
{
    private readonly TestPki _pki = new();
    private readonly FixedLocator _locator = new();
    private KubeletServer _server = null!;
    private StreamingClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = new KubeletServer(new KubeletServerOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = 0,
            ServingCertificate = _pki.Serving,
            ClientCa = _pki.Ca,
            ConnectRuntime = NetnsConnector.For(node.Netns),
        }, _locator, node.Cri);
        await _server.StartAsync(CancellationToken.None);
        _client = new StreamingClient(_server.Port, _pki.Ca, _pki.ApiServerClient);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Only_the_api_servers_client_certificate_gets_in()
    {
        await RunAsync("auth", "sleep", "3600");
        using var anonymous = new StreamingClient(_server.Port, _pki.Ca, null).Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("containerLogs/default/auth/main")).StatusCode);

        using var otherCa = new TestPki();
        using var foreign = new StreamingClient(_server.Port, _pki.Ca, otherCa.ApiServerClient).Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await foreign.GetAsync("containerLogs/default/auth/main")).StatusCode);

        using var nodeCert = TestPki.Issue(_pki.Ca, "system:node:other", ["system:nodes"], server: false);
        using var node = new StreamingClient(_server.Port, _pki.Ca, nodeCert).Http();
        Assert.Equal(HttpStatusCode.Forbidden, (await node.GetAsync("containerLogs/default/auth/main")).StatusCode);

        using var apiServer = _client.Http();
        Assert.Equal(HttpStatusCode.OK, (await apiServer.GetAsync("containerLogs/default/auth/main")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await apiServer.GetAsync("containerLogs/default/nope/main")).StatusCode);
        // No earlier instance of the container: a bad request, as upstream's kubelet answers it.
        using var previous = await apiServer.GetAsync("containerLogs/default/auth/main?previous=true");
        Assert.Equal(HttpStatusCode.BadRequest, previous.StatusCode);
        Assert.Equal("previous terminated container \"main\" in pod \"auth\" not found", (await previous.Content.ReadAsStringAsync()).TrimEnd());
    }

    [Fact]
    public async Task Logs_give_the_lines_with_tail_timestamps_and_limit()
    {
        var id = await RunAsync("lines", "sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done; sleep 0.5; echo err-line >&2; sleep 3600");
        using var http = _client.Http();
        var all = await Run.UntilAsync(async () =>
        {
            var text = await http.GetStringAsync("containerLogs/default/lines/main");
            return text.Contains("err-line", StringComparison.Ordinal) ? text : null;
        }, "the container's output in its log");
        Assert.Equal("line-1\nline-2\nline-3\nline-4\nline-5\nerr-line\n", all);

        Assert.Equal("line-5\nerr-line\n", await http.GetStringAsync("containerLogs/default/lines/main?tailLines=2"));
        Assert.Equal("line-1\nli", await http.GetStringAsync("containerLogs/default/lines/main?limitBytes=9"));

        var stamped = (await http.GetStringAsync("containerLogs/default/lines/main?timestamps=true&tailLines=1")).TrimEnd('\n');
        var match = Stamped().Match(stamped);
        Assert.True(match.Success, stamped);
        var at = DateTimeOffset.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);

        // sinceTime after the lines were written: nothing; before: everything.
        var after = Uri.EscapeDataString(at.AddSeconds(1).ToString("O"));
        Assert.Equal("", await http.GetStringAsync($"containerLogs/default/lines/main?sinceTime={after}"));
        Assert.Equal(all, await http.GetStringAsync("containerLogs/default/lines/main?sinceSeconds=600"));
        _ = id;
    }

    [Fact]
    public async Task Follow_sees_new_lines_and_ends_when_the_container_exits()
    {
        var id = await RunAsync("follow", "sh", "-c", "echo start; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo after-go; sleep 1; echo last");
        using var http = _client.Http();
        using var response = await http.GetAsync("containerLogs/default/follow/main?follow=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("start", await reader.ReadLineAsync());

        // Only now does the container write more: the open response must carry it.
        (await node.Cri.ExecSyncAsync(id, ["touch", "/tmp/go"], TimeSpan.FromSeconds(30))).GetValueOrThrow();
        Assert.Equal("after-go", await reader.ReadLineAsync());
        Assert.Equal("last", await reader.ReadLineAsync());
        // The container exited: the server ends the stream.
        Assert.Null(await reader.ReadLineAsync());
    }

    [Fact]
    public async Task Exec_v5_delivers_stdin_eof_and_the_exit_code()
    {
        await RunAsync("exec5", "sleep", "3600");
        var outcome = await _client.ExecAsync(ChannelProtocol.V5, ExecPath("exec5", "sh", "-c", "cat; echo to-stderr >&2; exit 3"),
            Encoding.UTF8.GetBytes("hello through stdin\n"), closeStdin: true, CancellationToken.None);
        Assert.Equal("hello through stdin\n", outcome.Stdout);
        Assert.Equal("to-stderr\n", outcome.Stderr);
        AssertExitCode(3, outcome.Status);

        var ok = await _client.ExecAsync(ChannelProtocol.V5, ExecPath("exec5", "echo", "fine"), [], closeStdin: false, CancellationToken.None);
        Assert.Equal("fine\n", ok.Stdout);
        Assert.Equal("Success", System.Text.Json.JsonDocument.Parse(ok.Status).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Exec_v4_and_base64_carry_stdin_and_the_exit_code()
    {
        await RunAsync("exec4", "sleep", "3600");
        foreach (var protocol in new[] { ChannelProtocol.V4, ChannelProtocol.V4Base64 })
        {
            // v4 cannot close stdin: the command reads one line and ends by itself.
            var outcome = await _client.ExecAsync(protocol, ExecPath("exec4", "sh", "-c", "read line; echo got-$line; exit 5"),
                Encoding.UTF8.GetBytes("abc\n"), closeStdin: false, CancellationToken.None);
            Assert.Equal("got-abc\n", outcome.Stdout);
            AssertExitCode(5, outcome.Status);
        }
    }

    [Fact]
    public async Task Exec_output_of_a_megabyte_arrives_whole()
    {
        await RunAsync("bulk", "sleep", "3600");
        var outcome = await _client.ExecAsync(ChannelProtocol.V4, ExecPath("bulk", "sh", "-c", "yes abcdefghij | head -n 100000"), [], closeStdin: false, CancellationToken.None);
        Assert.Equal(100000 * 11, outcome.Stdout.Length);
        Assert.All(outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Equal("abcdefghij", line));
        Assert.Equal("Success", System.Text.Json.JsonDocument.Parse(outcome.Status).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Exec_with_a_tty_takes_the_terminal_size()
    {
        await RunAsync("tty", "sleep", "3600");
        // The size goes to the runtime before the line the command waits for, but containerd applies
        // it to the pty on its own goroutine (a shim Resize call after the process starts) while
        // stdin is copied on another, so the line can be read before the size lands: the command
        // waits (bounded, ~10 s) until the terminal has a size, as a user's shell would by the time
        // they type. Without the resize it never gets one and the assertion below fails.
        const string script = "read x; i=0; until [ -n \"$(stty size 2>/dev/null)\" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done; stty size; exit 2";
        var path = $"exec/default/tty/main?command=sh&command=-c&command={Uri.EscapeDataString(script)}&stdin=true&stdout=true&tty=true";
        var outcome = await _client.ExecAsync(ChannelProtocol.V5, path, Encoding.UTF8.GetBytes("go\r"), closeStdin: false, CancellationToken.None,
            resize: """{"Width":123,"Height":45}""");
        Assert.Contains("45 123", outcome.Stdout, StringComparison.Ordinal);
        Assert.Equal("", outcome.Stderr); // with a TTY everything comes on stdout
        AssertExitCode(2, outcome.Status);
    }

    private static void AssertExitCode(int expected, string status)
    {
        using var json = System.Text.Json.JsonDocument.Parse(status);
        var root = json.RootElement;
        Assert.Equal("Failure", root.GetProperty("status").GetString());
        Assert.Equal("NonZeroExitCode", root.GetProperty("reason").GetString());
        var cause = root.GetProperty("details").GetProperty("causes")[0];
        Assert.Equal("ExitCode", cause.GetProperty("reason").GetString());
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), cause.GetProperty("message").GetString());
    }

    private static string ExecPath(string pod, params string[] command) =>
        $"exec/default/{pod}/main?" + string.Join("&", command.Select(c => "command=" + Uri.EscapeDataString(c))) + "&stdin=true&stdout=true&stderr=true";

    /// <summary>A pod with one container "main" running <paramref name="command"/>, registered with the locator.</summary>
    private async Task<string> RunAsync(string pod, params string[] command)
    {
        var sandbox = PodSpecs.Sandbox(node, pod);
        var podId = (await node.Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var container = PodSpecs.Container("main", ProjectImages.Busybox, command);
        var id = (await node.Cri.CreateContainerAsync(podId, container, sandbox)).GetValueOrThrow();
        (await node.Cri.StartContainerAsync(id)).GetValueOrThrow();
        _locator.Add("default", pod, "main", new ContainerLocation(id, Path.Combine(sandbox.LogDirectory, container.LogPath)));
        return id;
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)) err-line$")]
    private static partial Regex Stamped();
}
