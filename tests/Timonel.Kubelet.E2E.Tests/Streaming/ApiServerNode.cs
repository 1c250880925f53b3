using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Streaming;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>
/// A real `timonel server` and, standing in for a node agent, a <see cref="KubeletServer"/>
/// with a serving certificate from the server's cluster CA, registered as a Node whose
/// InternalIP/port point at it. Pods are created through the API and their containers run on
/// the test's containerd (<see cref="ContainerdNode"/>); the pod's status is written as the
/// agent would, so the API server's pods/log and pods/exec go through the real proxy.
/// </summary>
public sealed class ApiServerNode : IAsyncLifetime
{
    public const string NodeName = "stream-node";
    private readonly FixedLocator _locator = new();
    private ContainerdNode _containerd = null!;
    private X509Certificate2? _ca;
    private X509Certificate2? _serving;

    public ServerProcess Server { get; private set; } = null!;
    public KubeletServer Kubelet { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public ContainerdNode Containerd => _containerd;

    public async Task InitializeAsync()
    {
        _containerd = new ContainerdNode();
        await _containerd.InitializeAsync();
        Server = await ServerProcess.StartNewAsync();
        Admin = Server.AdminClient();
        (_ca, _serving) = AgentCertificates(Server, NodeName);
        // As the agent loads them: PEM files of its serving certificate and the cluster CA.
        var credentials = Directory.CreateDirectory(Path.Combine(Server.DataDir, "agent-credentials")).FullName;
        await File.WriteAllTextAsync(Path.Combine(credentials, "serving.crt"), _serving.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(credentials, "serving.key"), _serving.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(credentials, "ca.crt"), _ca.ExportCertificatePem());
        var options = KubeletServerOptions.FromPemFiles(Path.Combine(credentials, "serving.crt"), Path.Combine(credentials, "serving.key"),
            Path.Combine(credentials, "ca.crt"), IPAddress.Loopback, port: 0);
        Kubelet = new KubeletServer(options with { ConnectRuntime = NetnsConnector.For(_containerd.Netns) }, _locator, _containerd.Cri);
        await Kubelet.StartAsync(CancellationToken.None);

        await CheckedAsync(Admin.PostAsJsonAsync("/api/v1/nodes", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = new JsonObject { ["name"] = NodeName } }));
        await CheckedAsync(Admin.PatchAsync($"/api/v1/nodes/{NodeName}/status", AgentEndpointPatch(Kubelet.Port)));
    }

    /// <summary>
    /// Creates pod <paramref name="name"/> bound to the node with containers named as given;
    /// runs <paramref name="command"/> for the first one (unless null) and reports it running.
    /// </summary>
    public Task<string?> RunPodAsync(string name, string[]? command, params string[] containers) =>
        RunPodAsync(new PodRun(name, command, containers));

    /// <summary>What <see cref="RunPodAsync(PodRun)"/> creates: the first container runs <see cref="Command"/> (unless null).</summary>
    /// <param name="Stdin">The first container keeps its stdin open for one attach (spec stdin + stdinOnce, as `kubectl run -i`).</param>
    /// <param name="Tty">The first container gets a terminal (spec tty, as `kubectl run -t`).</param>
    public sealed record PodRun(string Name, string[]? Command, string[] Containers, string Image = ProjectImages.Busybox,
        bool Stdin = false, IReadOnlyDictionary<string, string>? Labels = null, bool Tty = false);

    public async Task<string?> RunPodAsync(PodRun run)
    {
        var (name, command, containers) = (run.Name, run.Command, run.Containers);
        var spec = new JsonArray(containers.Select((c, i) =>
        {
            var container = new JsonObject { ["name"] = c, ["image"] = run.Image };
            if (i == 0 && run.Stdin) (container["stdin"], container["stdinOnce"]) = (true, true);
            if (i == 0 && run.Tty) container["tty"] = true;
            return (JsonNode)container;
        }).ToArray());
        var labels = new JsonObject((run.Labels ?? new Dictionary<string, string>()).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        using var created = await Admin.PostAsJsonAsync("/api/v1/namespaces/default/pods", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["nodeName"] = NodeName, ["containers"] = spec },
        });
        var body = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"creating pod {name}: {(int)created.StatusCode} {body}");
        if (command is null) return null;

        // The sandbox carries the API pod's identity, as the agent's would (port-forward finds it by it).
        var uid = JsonNode.Parse(body)!["metadata"]!["uid"]!.GetValue<string>();
        var sandbox = PodSpecs.Sandbox(_containerd, name, uid);
        var podId = (await _containerd.Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var container = PodSpecs.Container(containers[0], run.Image, command);
        (container.Stdin, container.StdinOnce, container.Tty) = (run.Stdin, run.Stdin, run.Tty);
        var id = (await _containerd.Cri.CreateContainerAsync(podId, container, sandbox)).GetValueOrThrow();
        (await _containerd.Cri.StartContainerAsync(id)).GetValueOrThrow();
        _locator.Add("default", name, containers[0], new ContainerLocation(id, Path.Combine(sandbox.LogDirectory, container.LogPath)));
        await CheckedAsync(Admin.PatchAsync($"/api/v1/namespaces/default/pods/{name}/status", MergePatch(new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = containers[0],
                    ["image"] = run.Image,
                    ["imageID"] = "",
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ") } },
                }),
            },
        })));
        return id;
    }

    public Kubectl Kubectl => new(Server.Kubeconfig, Path.Combine(Server.DataDir, "kubectl-cache"));

    /// <summary>A serving certificate for an agent endpoint, from the server's cluster CA (as the server issues at join); the CA too.</summary>
    public static (X509Certificate2 Ca, X509Certificate2 Serving) AgentCertificates(ServerProcess server, string nodeName)
    {
        var tls = Path.Combine(server.DataDir, "server", "tls");
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(tls, "ca.crt"), Path.Combine(tls, "ca.key"));
        var ca = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        return (ca, TestPki.Issue(ca, "system:node:" + nodeName, ["system:nodes"], server: true));
    }

    /// <summary>What the agent reports so the API server finds its endpoint.</summary>
    public static StringContent AgentEndpointPatch(int port) => MergePatch(new JsonObject
    {
        ["status"] = new JsonObject
        {
            ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" }),
            ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = port } },
        },
    });

    private static StringContent MergePatch(JsonObject patch) => new(patch.ToJsonString(), Encoding.UTF8, "application/merge-patch+json");

    public static async Task CheckedAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task DisposeAsync()
    {
        if (Kubelet is not null) await Kubelet.DisposeAsync();
        Admin?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        await _containerd.DisposeAsync();
        _serving?.Dispose();
        _ca?.Dispose();
    }
}
