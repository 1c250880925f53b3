using System.Diagnostics;
using System.Text.Json.Nodes;
using Timonel.Api.Patching;
using Timonel.Api.Schema;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Rest;
using Timonel.ApiServer.Storage;
using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-create-steps: CPU time per call of the in-memory steps a ConfigMap create goes
/// through in the API server (the same public functions the handler calls, one thread, no I/O),
/// to tell which of them dominates the create's cost seen in apiserver-create.
/// </summary>
internal static class CreateStepsBench
{
    public static Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var iterations = flags.Int("iterations", 20_000);
        var valueBytes = flags.Int("value-bytes", 1024);
        flags.CheckAllUsed();

        var resource = ResourceRegistry.Builtin.Find("", "v1", "configmaps") ?? throw new InvalidOperationException("no configmaps resource");
        var body = ConfigMaps.Body("bench", "cm-1", valueBytes);
        var now = DateTimeOffset.UtcNow;
        JsonObject Parse() => (JsonObject)JsonNode.Parse(body)!;
        JsonObject Prepared()
        {
            var obj = Parse();
            ObjectPreparation.PrepareForCreate(obj, resource, "bench", now);
            return obj;
        }
        var tracked = ManagedFieldsTracker.RecordUpdate(null, Prepared(), new UpdateRequest("bench", PatchSchema.For(resource.ModelType), resource.ApiVersion, now));
        var stored = ObjectCodec.Encode(tracked);

        Time("parse request body (JsonNode.Parse)", iterations, () => Parse());
        Time("unknown-field check (UnknownFields.Find)", iterations, () => UnknownFields.Find(tracked, resource.ModelType));
        Time("parse + PrepareForCreate", iterations, () => Prepared());
        var prepared = Prepared();
        Time("managed fields (ManagedFieldsTracker.RecordUpdate)", iterations, () =>
            ManagedFieldsTracker.RecordUpdate(null, prepared, new UpdateRequest("bench", PatchSchema.For(resource.ModelType), resource.ApiVersion, now)));
        Time("encode for the store (ObjectCodec.Encode)", iterations, () => ObjectCodec.Encode(tracked));
        Time("decode from the store (ObjectCodec.Decode)", iterations, () => ObjectCodec.Decode(stored, 42));
        Time("watch cache event (selectable fields + ADDED line)", iterations, () =>
            new CachedEvent(42, "k", CachedObject.FromStored(stored, 42), null, false).Line("ADDED"));
        Time("  of which selectable fields (SelectableFields.Read)", iterations, () => Timonel.ApiServer.Storage.Selection.SelectableFields.Read(stored));
        var cachedObject = CachedObject.FromStored(stored, 42);
        Time("  of which the ADDED line", iterations, () => new CachedEvent(42, "k", cachedObject, null, false).Line("ADDED"));
        Console.WriteLine($"(ConfigMap body {body.Length} B, stored {stored.Length} B)");
        TimePodUpdates(iterations, now);
        return Task.FromResult(0);
    }

    /// <summary>
    /// Managed fields of the writes a pod gets in a rollout, on a pod created by a controller, bound
    /// by the scheduler and reported running by the kubelet: a binding-like spec.nodeName update and
    /// a status update that flips one condition.
    /// </summary>
    private static void TimePodUpdates(int iterations, DateTimeOffset now)
    {
        var resource = ResourceRegistry.Builtin.Find("", "v1", "pods") ?? throw new InvalidOperationException("no pods resource");
        var schema = PatchSchema.For(resource.ModelType);
        var created = ManagedFieldsTracker.RecordUpdate(null, SamplePod.Unscheduled(), new UpdateRequest("kube-controller-manager", schema, "v1", now));
        var bound = (JsonObject)created.DeepClone();
        bound["spec"]!["nodeName"] = "node-3";
        var scheduled = ManagedFieldsTracker.RecordUpdate(created, bound, new UpdateRequest("kube-scheduler", schema, "v1", now));
        var running = (JsonObject)scheduled.DeepClone();
        running["status"] = SamplePod.RunningStatus();
        var reported = ManagedFieldsTracker.RecordUpdate(scheduled, running, new UpdateRequest("kubelet", schema, "v1", now) { Subresource = "status" });
        var notReady = (JsonObject)reported.DeepClone();
        var ready = notReady["status"]!["conditions"]!.AsArray().OfType<JsonObject>().First(c => c["type"]!.GetValue<string>() == "Ready");
        ready["status"] = "False";
        ready["lastTransitionTime"] = "2025-01-01T00:01:00Z";

        Time("pod managed fields, binding-like spec.nodeName update", iterations, () =>
            ManagedFieldsTracker.RecordUpdate(created, bound, new UpdateRequest("kube-scheduler", schema, "v1", now)));
        Time("pod managed fields, status update flipping one condition", iterations, () =>
            ManagedFieldsTracker.RecordUpdate(reported, notReady, new UpdateRequest("kubelet", schema, "v1", now) { Subresource = "status" }));
        Console.WriteLine($"(pod stored {ObjectCodec.Encode(reported).Length} B)");
    }

    private static void Time(string step, int iterations, Action action)
    {
        for (var i = 0; i < 1000; i++) action(); // JIT and tiering
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < iterations; i++) action();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"{step}: {cpu.TotalMilliseconds * 1000 / iterations:F1} us CPU per call");
    }
}
