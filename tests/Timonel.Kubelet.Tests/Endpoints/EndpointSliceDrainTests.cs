using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Endpoints;

namespace Timonel.Kubelet.Tests.Endpoints;

public sealed class EndpointSliceDrainTests
{
    private const string PodIp = "10.42.0.7";
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static V1EndpointSlice Slice(params (string Ip, bool? Ready, bool? Terminating)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-abc", NamespaceProperty = "demo" },
        AddressType = "IPv4",
        Endpoints = endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Ip],
            Conditions = new V1EndpointConditions { Ready = e.Ready, Terminating = e.Terminating },
        }).ToList(),
    };

    [Fact]
    public void An_address_is_ready_while_any_slice_offers_it_for_new_connections()
    {
        Assert.Equal(EndpointState.NotListed, EndpointSliceDrain.StateOf([Slice(("10.42.0.8", true, false))], PodIp));
        Assert.Equal(EndpointState.Ready, EndpointSliceDrain.StateOf([Slice((PodIp, true, false))], PodIp));
        // Conditions left out mean ready (the API's reading of a nil ready).
        Assert.Equal(EndpointState.Ready, EndpointSliceDrain.StateOf([Slice((PodIp, null, null))], PodIp));
        Assert.Equal(EndpointState.Ready, EndpointSliceDrain.StateOf([Slice((PodIp, false, true)), Slice((PodIp, true, false))], PodIp));
        Assert.Equal(EndpointState.Withdrawn, EndpointSliceDrain.StateOf([Slice((PodIp, false, true))], PodIp));
        // publishNotReadyAddresses keeps a terminating pod ready: the controller has seen the deletion.
        Assert.Equal(EndpointState.Withdrawn, EndpointSliceDrain.StateOf([Slice((PodIp, true, true))], PodIp));
    }

    [Fact]
    public async Task A_pod_that_is_no_endpoint_stops_at_once()
    {
        var drain = new EndpointSliceDrain(_ => EndpointState.NotListed, _time);
        var outcome = await drain.WaitAsync(PodIp, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(DrainOutcome.NotAnEndpoint, outcome);
        Assert.Equal(TimeSpan.Zero, Elapsed);
    }

    [Fact]
    public async Task A_ready_endpoint_waits_until_withdrawn_then_the_propagation_delay()
    {
        var state = EndpointState.Ready;
        var drain = new EndpointSliceDrain(_ => state, _time, TimeSpan.FromSeconds(1));
        var waiting = drain.WaitAsync(PodIp, TimeSpan.FromSeconds(30), CancellationToken.None);
        await StepAsync(waiting, 5);
        Assert.False(waiting.IsCompleted);

        state = EndpointState.Withdrawn;
        var withdrawnAt = Elapsed;
        await StepAsync(waiting, 100);
        Assert.Equal(DrainOutcome.Withdrawn, await waiting);
        Assert.InRange(Elapsed - withdrawnAt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task An_endpoint_that_stays_ready_is_waited_for_no_longer_than_the_budget()
    {
        var drain = new EndpointSliceDrain(_ => EndpointState.Ready, _time, TimeSpan.FromSeconds(1));
        var waiting = drain.WaitAsync(PodIp, TimeSpan.FromSeconds(3), CancellationToken.None);
        await StepAsync(waiting, 100);
        Assert.Equal(DrainOutcome.BudgetSpent, await waiting);
        Assert.InRange(Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.2));
    }

    [Fact]
    public async Task An_already_withdrawn_endpoint_waits_only_for_the_other_nodes()
    {
        var drain = new EndpointSliceDrain(_ => EndpointState.Withdrawn, _time, TimeSpan.FromSeconds(1));
        var waiting = drain.WaitAsync(PodIp, TimeSpan.FromSeconds(30), CancellationToken.None);
        await StepAsync(waiting, 100);
        Assert.Equal(DrainOutcome.Withdrawn, await waiting);
        Assert.InRange(Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.2));
    }

    private TimeSpan Elapsed => _time.GetUtcNow() - _time.Start;

    /// <summary>Advances fake time one poll interval at a time, letting the drain's continuations run between steps.</summary>
    private async Task StepAsync(Task waiting, int steps)
    {
        for (var i = 0; i < steps && !waiting.IsCompleted; i++)
        {
            await Task.Delay(5);
            if (!waiting.IsCompleted)
            {
                _time.Advance(Step);
            }
            await Task.WhenAny(waiting, Task.Delay(5));
        }
    }
}
