using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Endpoints;

/// <summary>Where an address stands in the EndpointSlices this node sees.</summary>
public enum EndpointState
{
    /// <summary>In no slice: nothing routes to it.</summary>
    NotListed,

    /// <summary>Listed, and some slice still offers it for new connections (ready, not terminating).</summary>
    Ready,

    /// <summary>Listed only as not ready or terminating: proxies that followed the slices no longer pick it.</summary>
    Withdrawn,
}

/// <summary>How a drain ended (for logs and tests).</summary>
public enum DrainOutcome
{
    NotAnEndpoint,
    Withdrawn,
    BudgetSpent,
}

/// <summary>
/// The zero-downtime step of pod termination (<see cref="EndpointDrain"/>). The EndpointSlice
/// controller marks a pod with a deletionTimestamp not ready at once; every node's service proxy
/// (and the ingress) then stops picking it for new connections. Stopping the containers before
/// that would refuse the connections still sent there. So a terminating pod waits, polling this
/// node's slice cache every <see cref="PollInterval"/>, until no slice offers its IP as ready,
/// then <see cref="PropagationDelay"/> more: this node saw the change, the others see it about
/// as fast but each proxy applies it at most 100 ms later (its sync interval) plus its nft run,
/// so one second covers every node on one machine or one LAN with room to spare. A pod that no
/// slice lists stops at once. All of it within the grace period, which stays the upper bound.
/// </summary>
public sealed class EndpointSliceDrain
{
    public static readonly TimeSpan DefaultPropagationDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private const string ByAddressIndex = "drain-by-address";

    private readonly Func<string, EndpointState> _stateOf;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Reads the agent's shared EndpointSlice informer (an index by address is added to it).</summary>
    public EndpointSliceDrain(IInformer<V1EndpointSlice> slices, TimeProvider time, TimeSpan? propagationDelay = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        slices.AddIndex(ByAddressIndex, slice => (slice.Endpoints ?? []).SelectMany(e => e.Addresses ?? []).Distinct(StringComparer.Ordinal));
        _stateOf = ip => slices.HasSynced ? StateOf(slices.Lister.ByIndex(ByAddressIndex, ip), ip) : EndpointState.NotListed;
        _time = time;
        PropagationDelay = propagationDelay ?? DefaultPropagationDelay;
    }

    /// <summary>For tests: the state of an address from anywhere.</summary>
    public EndpointSliceDrain(Func<string, EndpointState> stateOf, TimeProvider time, TimeSpan? propagationDelay = null)
    {
        _logger = NullLogger.Instance;
        _stateOf = stateOf;
        _time = time;
        PropagationDelay = propagationDelay ?? DefaultPropagationDelay;
    }

    public TimeSpan PropagationDelay { get; }

    /// <summary>The <see cref="EndpointDrain"/> the pod worker calls.</summary>
    public async Task DrainAsync(PodContext pod, TimeSpan budget, CancellationToken ct)
    {
        if (pod.PodIp is not { } ip)
        {
            return;
        }
        var started = _time.GetUtcNow();
        var outcome = await WaitAsync(ip, budget, ct).ConfigureAwait(false);
        if (outcome != DrainOutcome.NotAnEndpoint)
        {
            DrainLog.Drained(_logger, pod.Pod.Metadata.Name, outcome.ToString(), (long)(_time.GetUtcNow() - started).TotalMilliseconds);
        }
    }

    public async Task<DrainOutcome> WaitAsync(string ip, TimeSpan budget, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + budget;
        var state = _stateOf(ip);
        if (state == EndpointState.NotListed)
        {
            return DrainOutcome.NotAnEndpoint;
        }
        while (state == EndpointState.Ready)
        {
            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return DrainOutcome.BudgetSpent;
            }
            await Task.Delay(left < PollInterval ? left : PollInterval, _time, ct).ConfigureAwait(false);
            state = _stateOf(ip);
        }
        var rest = deadline - _time.GetUtcNow();
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest < PropagationDelay ? rest : PropagationDelay, _time, ct).ConfigureAwait(false);
        }
        return DrainOutcome.Withdrawn;
    }

    /// <summary>
    /// Ready when any slice offers <paramref name="ip"/> for new connections: conditions.ready
    /// true or absent (absent means ready) and not terminating. A terminating endpoint still
    /// marked ready (a Service with publishNotReadyAddresses) counts as withdrawn: the controller
    /// has seen the deletion and the Service's owner asked for its pods to stay listed.
    /// </summary>
    public static EndpointState StateOf(IEnumerable<V1EndpointSlice> slices, string ip)
    {
        var listed = false;
        foreach (var endpoint in slices.SelectMany(s => s.Endpoints ?? []))
        {
            if (endpoint.Addresses?.Contains(ip) != true)
            {
                continue;
            }
            listed = true;
            if (endpoint.Conditions?.Ready != false && endpoint.Conditions?.Terminating != true)
            {
                return EndpointState.Ready;
            }
        }
        return listed ? EndpointState.Withdrawn : EndpointState.NotListed;
    }
}

internal static partial class DrainLog
{
    [LoggerMessage(EventId = 6130, Level = LogLevel.Information, Message = "pod {Pod}: endpoint drain {Outcome} after {Elapsed} ms, stopping its containers")]
    public static partial void Drained(ILogger logger, string pod, string outcome, long elapsed);
}
