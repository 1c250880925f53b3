using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// The probes and hooks of one node, built from what the agent has: its CRI client, its event
/// recorder (component "kubelet") and the trigger that reaches its pod workers (a
/// <see cref="DeferredPodSyncTrigger"/>, set once the workers exist). Give <see cref="Probes"/> to
/// <c>PodWorkerParts.Probes</c>, <see cref="Hooks"/>' RunPreStopAsync to <c>PreStop</c> and
/// RunPostStartAsync to <c>PostStart</c>; dispose at shutdown.
/// </summary>
public sealed class NodeProbes : IAsyncDisposable
{
    private readonly HttpGetClient _http;

    /// <param name="sockets">Where network probes and HTTP hooks connect from (<see cref="ProbeSockets"/>); null: the agent's own namespace.</param>
    public NodeProbes(CriClient cri, EventRecorder recorder, IPodSyncTrigger trigger, TimeProvider time, ILoggerFactory loggers, Func<Socket>? sockets = null)
    {
        _http = new HttpGetClient(time, sockets);
        var commands = new CriCommandRunner(cri);
        var events = new RecorderContainerEvents(recorder);
        Probes = new ContainerProbes(ProbeActionRunner.Create(commands, _http, time, sockets), events, trigger, time, loggers.CreateLogger<ContainerProbes>());
        Hooks = new LifecycleHooks(commands, _http, events, time, loggers.CreateLogger<LifecycleHooks>());
    }

    public ContainerProbes Probes { get; }

    public LifecycleHooks Hooks { get; }

    public async ValueTask DisposeAsync()
    {
        await Probes.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
    }
}
