using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Timonel.Kubelet.E2E.Tests.PodWorker;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>
/// `kubectl logs --previous` with the real pod worker as the container locator: the pod worker
/// restarts a failed container, the agent endpoint serves the earlier instance's log file.
/// </summary>
public sealed class PreviousLogsTests(PodWorkerNode fixture) : IClassFixture<PodWorkerNode>, IAsyncLifetime
{
    private KubeletServer _kubelet = null!;
    private X509Certificate2? _ca;
    private X509Certificate2? _serving;

    public async Task InitializeAsync()
    {
        (_ca, _serving) = ApiServerNode.AgentCertificates(fixture.Server, fixture.NodeName);
        _kubelet = new KubeletServer(new KubeletServerOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = 0,
            ServingCertificate = _serving,
            ClientCa = _ca,
            ConnectRuntime = NetnsConnector.For(fixture.Node.Netns),
        }, new CurrentWorkers(fixture), fixture.Node.Cri);
        await _kubelet.StartAsync(CancellationToken.None);
        using var admin = fixture.Server.AdminClient();
        await ApiServerNode.CheckedAsync(admin.PatchAsync($"/api/v1/nodes/{fixture.NodeName}/status", ApiServerNode.AgentEndpointPatch(_kubelet.Port)));
    }

    public async Task DisposeAsync()
    {
        await _kubelet.DisposeAsync();
        _serving?.Dispose();
        _ca?.Dispose();
    }

    [Fact]
    public async Task Logs_previous_shows_the_instance_before_the_restart()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "restarts", NamespaceProperty = "default" },
            Spec = new V1PodSpec
            {
                NodeName = fixture.NodeName,
                TerminationGracePeriodSeconds = 1,
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = ProjectImages.Busybox,
                        ImagePullPolicy = "Never",
                        // /shared outlives the container: the first instance fails, the second stays up.
                        Command = ["sh", "-c", "if [ -f /shared/once ]; then echo second-run; sleep 3600; else touch /shared/once; echo first-run; exit 1; fi"],
                    },
                ],
            },
        };
        (await fixture.Api.CreateAsync(pod)).Require();
        await Run.UntilAsync(async () =>
        {
            var got = await fixture.Api.GetAsync<V1Pod>("default", "restarts");
            return got.Value?.Status?.ContainerStatuses?.SingleOrDefault() is { RestartCount: 1, State.Running: not null } ? got.Value : null;
        }, "the restarted container running", 90, () => Task.FromResult(fixture.Log));

        var kubectl = new Kubectl(fixture.Server.Kubeconfig, Path.Combine(fixture.Server.DataDir, "kubectl-cache"));
        var previous = await kubectl.RunAsync(null, "logs", "restarts", "--previous");
        Assert.Equal((0, "first-run\n"), (previous.ExitCode, previous.Stdout));
        var current = await Run.UntilAsync(async () =>
        {
            var r = await kubectl.RunAsync(null, "logs", "restarts");
            return r.ExitCode == 0 && r.Stdout.Length > 0 ? r.Stdout : null;
        }, "the current instance's log");
        Assert.Equal("second-run\n", current);
    }

    /// <summary>The workers of the fixture's current agent instance (a restart makes new ones).</summary>
    private sealed class CurrentWorkers(PodWorkerNode fixture) : IContainerLocator
    {
        public ContainerLocation? Find(string ns, string podName, string container, bool previous) =>
            fixture.Workers.Find(ns, podName, container, previous);
    }
}
