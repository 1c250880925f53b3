using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Cri;

/// <summary>What a command run with ExecSync wrote and how it ended.</summary>
public sealed record ExecSyncResult(byte[] Stdout, byte[] Stderr, int ExitCode)
{
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);

    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr);
}

public sealed partial class CriClient
{
    public Task<CriResult<VersionResponse>> VersionAsync(CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.VersionAsync(new VersionRequest { Version = "v1" }, o), r => r,
            _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>The runtime's conditions (RuntimeReady, NetworkReady) and, when verbose, its config.</summary>
    public Task<CriResult<StatusResponse>> StatusAsync(bool verbose = false, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.StatusAsync(new StatusRequest { Verbose = verbose }, o), r => r,
            _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<CriUnit>> UpdateRuntimeConfigAsync(string podCidr, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.UpdateRuntimeConfigAsync(new UpdateRuntimeConfigRequest
        {
            RuntimeConfig = new RuntimeConfig { NetworkConfig = new NetworkConfig { PodCidr = podCidr } },
        }, o), ToUnit, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>Creates and starts a sandbox (its pause container and network); returns its id.</summary>
    public Task<CriResult<string>> RunPodSandboxAsync(PodSandboxConfig config, string runtimeHandler = "", CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config, RuntimeHandler = runtimeHandler }, o),
            r => r.PodSandboxId, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>Stops every container of the sandbox and tears its network down; idempotent.</summary>
    public Task<CriResult<CriUnit>> StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = podSandboxId }, o),
            ToUnit, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<CriUnit>> RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = podSandboxId }, o),
            ToUnit, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<PodSandboxStatusResponse>> PodSandboxStatusAsync(string podSandboxId, bool verbose = false, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = podSandboxId, Verbose = verbose }, o),
            r => r, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<IReadOnlyList<PodSandbox>>> ListPodSandboxAsync(PodSandboxFilter? filter = null, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, o),
            r => (IReadOnlyList<PodSandbox>)r.Items, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>Creates (does not start) a container in a sandbox; returns its id.</summary>
    public Task<CriResult<string>> CreateContainerAsync(string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.CreateContainerAsync(new CreateContainerRequest
        {
            PodSandboxId = podSandboxId,
            Config = config,
            SandboxConfig = sandboxConfig,
        }, o), r => r.ContainerId, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<CriUnit>> StartContainerAsync(string containerId, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.StartContainerAsync(new StartContainerRequest { ContainerId = containerId }, o),
            ToUnit, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>Sends the stop signal, then SIGKILL after <paramref name="gracePeriod"/> (whole seconds).</summary>
    public Task<CriResult<CriUnit>> StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.StopContainerAsync(new StopContainerRequest
        {
            ContainerId = containerId,
            Timeout = (long)Math.Ceiling(gracePeriod.TotalSeconds),
        }, o), ToUnit, _options.CallTimeout + gracePeriod, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<CriUnit>> RemoveContainerAsync(string containerId, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = containerId }, o),
            ToUnit, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<IReadOnlyList<Container>>> ListContainersAsync(ContainerFilter? filter = null, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, o),
            r => (IReadOnlyList<Container>)r.Containers, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<ContainerStatusResponse>> ContainerStatusAsync(string containerId, bool verbose = false, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId, Verbose = verbose }, o),
            r => r, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>
    /// Asks the runtime to open the container's log_path anew (after the kubelet renamed the file
    /// to rotate it); the container must be running (containerd fails otherwise).
    /// </summary>
    public Task<CriResult<CriUnit>> ReopenContainerLogAsync(string containerId, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = containerId }, o),
            ToUnit, _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    /// <summary>
    /// Runs <paramref name="command"/> in a running container and waits for it. A non-zero exit
    /// code is a successful call: the command ran. <paramref name="timeout"/> zero means none.
    /// </summary>
    public Task<CriResult<ExecSyncResult>> ExecSyncAsync(string containerId, IEnumerable<string> command, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var request = new ExecSyncRequest { ContainerId = containerId, Timeout = (long)Math.Ceiling(timeout.TotalSeconds) };
        request.Cmd.AddRange(command);
        return CallAsync(o => _runtime.ExecSyncAsync(request, o),
            r => new ExecSyncResult(r.Stdout.ToByteArray(), r.Stderr.ToByteArray(), r.ExitCode),
            _options.CallTimeout + timeout, CallSubject.PodOrContainer, cancellationToken);
    }

    /// <summary>
    /// Prepares a streaming exec; the answer is a URL on the runtime's streaming server that takes a
    /// WebSocket (subprotocol v4.channel.k8s.io) or SPDY upgrade for the session's streams.
    /// </summary>
    public Task<CriResult<Uri>> ExecAsync(ExecRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.ExecAsync(request, o), r => new Uri(r.Url),
            _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<Uri>> AttachAsync(AttachRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(o => _runtime.AttachAsync(request, o), r => new Uri(r.Url),
            _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);

    public Task<CriResult<Uri>> PortForwardAsync(string podSandboxId, IEnumerable<int> ports, CancellationToken cancellationToken = default)
    {
        var request = new PortForwardRequest { PodSandboxId = podSandboxId };
        request.Port.AddRange(ports);
        return CallAsync(o => _runtime.PortForwardAsync(request, o), r => new Uri(r.Url),
            _options.CallTimeout, CallSubject.PodOrContainer, cancellationToken);
    }
}
