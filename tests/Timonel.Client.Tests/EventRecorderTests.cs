using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Events;

namespace Timonel.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class EventRecorderTests(ServerFixture f)
{
    [Fact]
    public async Task ARepeatedEventIsOneEventWithCountTwo()
    {
        var ns = await f.NewNamespaceAsync("events");
        var cm = (await f.Api.CreateAsync(Wait.ConfigMap(ns, "subject", "1"))).Require();
        await using (var recorder = new EventRecorder(f.Api, new EventSource("test-controller", "host-1"), TimeProvider.System, NullLogger.Instance))
        {
            recorder.Warning(cm, "Broken", "it broke");
            recorder.Warning(cm, "Broken", "it broke");
            recorder.Normal(cm, "Fixed", "it works");
        }

        var events = (await f.Api.ListAsync<Corev1Event>(ns)).Require().Items.OrderBy(e => e.Reason, StringComparer.Ordinal).ToList();
        Assert.Equal(["Broken", "Fixed"], events.Select(e => e.Reason));
        var broken = events[0];
        Assert.Equal(2, broken.Count);
        Assert.Equal("Warning", broken.Type);
        Assert.Equal("it broke", broken.Message);
        Assert.Equal(("ConfigMap", "v1", "subject", cm.Metadata.Uid, cm.Metadata.ResourceVersion),
            (broken.InvolvedObject.Kind, broken.InvolvedObject.ApiVersion, broken.InvolvedObject.Name, broken.InvolvedObject.Uid, broken.InvolvedObject.ResourceVersion));
        Assert.Equal(("test-controller", "host-1"), (broken.Source.Component, broken.Source.Host));
        Assert.True(broken.LastTimestamp >= broken.FirstTimestamp);
        Assert.Equal(1, events[1].Count);
    }

    [Fact]
    public async Task EventsAboutDifferentFieldPathsAreSeparateEventsThatNameThePart()
    {
        var ns = await f.NewNamespaceAsync("events-fieldpath");
        var cm = (await f.Api.CreateAsync(Wait.ConfigMap(ns, "subject", "1"))).Require();
        await using (var recorder = new EventRecorder(f.Api, new EventSource("kubelet", "node-1"), TimeProvider.System, NullLogger.Instance))
        {
            recorder.Record(cm, "Warning", "Unhealthy", "probe failed", "spec.containers{a}");
            recorder.Record(cm, "Warning", "Unhealthy", "probe failed", "spec.containers{b}");
            recorder.Record(cm, "Warning", "Unhealthy", "probe failed", "spec.containers{a}");
        }

        var events = (await f.Api.ListAsync<Corev1Event>(ns)).Require().Items;
        Assert.Equal([("spec.containers{a}", 2), ("spec.containers{b}", 1)],
            events.Select(e => (e.InvolvedObject.FieldPath, e.Count ?? 0)).OrderBy(e => e.FieldPath, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ASourceWritesAtMostTwentyFiveEventsAboutOneObjectAtOnce()
    {
        var ns = await f.NewNamespaceAsync("events-spam");
        var noisy = (await f.Api.CreateAsync(Wait.ConfigMap(ns, "noisy", "1"))).Require();
        var quiet = (await f.Api.CreateAsync(Wait.ConfigMap(ns, "quiet", "1"))).Require();
        await using (var recorder = new EventRecorder(f.Api, new EventSource("test-controller"), TimeProvider.System, NullLogger.Instance))
        {
            for (var i = 0; i < 40; i++)
            {
                recorder.Normal(noisy, "SuccessfulCreate", $"Created pod: p-{i}");
            }
            recorder.Normal(quiet, "SuccessfulCreate", "Created pod: q-0");
        }

        var events = (await f.Api.ListAsync<Corev1Event>(ns)).Require().Items;
        var aboutNoisy = events.Where(e => e.InvolvedObject.Name == "noisy").Select(e => e.Message).ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"Created pod: p-{i}").Order(StringComparer.Ordinal), aboutNoisy.Order(StringComparer.Ordinal));
        Assert.Single(events, e => e.InvolvedObject.Name == "quiet");
    }
}
