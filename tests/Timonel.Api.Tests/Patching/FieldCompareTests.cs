using System.Text.Json.Nodes;
using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

/// <summary>
/// The simultaneous walk of FieldPaths.Compare and the tracker built on it against the reference
/// (both objects' whole field sets compared member by member), on seeded random pods: keyed lists
/// (containers, ports, env, conditions), atomic lists (command, tolerations), nested and empty
/// maps, nulls, fields added, removed and changed, shapes swapped, duplicate merge keys.
/// </summary>
public class FieldCompareTests
{
    private static readonly PatchSchema Pod = PatchSchema.ForKind("v1", "Pod");
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private const string Base = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n","uid":"u","labels":{"app":"web","tier":"f"},
         "annotations":{},"finalizers":["a/b"],"ownerReferences":[{"uid":"o1","kind":"ReplicaSet","name":"rs","controller":true}]},
         "spec":{"containers":[{"name":"web","image":"nginx","command":["sh","-c"],"ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":81}],
           "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"1"}}},
           {"name":"side","image":"busybox","resources":{}}],
          "tolerations":[{"key":"k","operator":"Exists"}],"nodeSelector":{"disk":"ssd"},"securityContext":{},"volumes":[{"name":"v","emptyDir":{}}]},
         "status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"},{"type":"PodScheduled","status":"True"}],
          "podIPs":[{"ip":"10.0.0.1"}],"containerStatuses":[{"name":"web","ready":false,"state":{"waiting":{"reason":"x"}}}]}}
        """;

    [Fact]
    public void Compare_equals_the_member_by_member_reference_on_random_pod_pairs()
    {
        var random = new Random(20250301);
        for (var round = 0; round < 400; round++)
        {
            var before = Mutate((JsonObject)JsonNode.Parse(Base)!, random, random.Next(0, 4));
            var after = Mutate((JsonObject)before.DeepClone(), random, random.Next(1, 5));
            foreach (var subresource in new[] { null, "status" })
            {
                var (changed, removed) = FieldPaths.Compare(before, after, Pod, subresource);
                var (wantChanged, wantRemoved) = FieldSetReference.Compare(before, after, Pod, subresource);
                var pair = $"round {round} {subresource}\nbefore {before.ToJsonString()}\nafter {after.ToJsonString()}";
                Assert.True(wantChanged.ToString() == changed.ToString(), $"changed {changed} want {wantChanged}\n{pair}");
                Assert.True(wantRemoved.ToString() == removed.ToString(), $"removed {removed} want {wantRemoved}\n{pair}");
                Assert.Equal(FieldSetReference.Of(after, Pod, subresource).ToString(), FieldPaths.Of(after, Pod, subresource).ToString());
            }
        }
    }

    [Fact]
    public void Tracker_writes_the_same_managed_fields_as_the_reference_over_a_chain_of_writes()
    {
        var random = new Random(7);
        string[] managers = ["kube-controller-manager", "kube-scheduler", "kubelet", "kubectl-edit"];
        for (var chain = 0; chain < 40; chain++)
        {
            var created = (JsonObject)JsonNode.Parse(Base)!;
            var request = new UpdateRequest(managers[0], Pod, "v1", T0);
            var stored = ManagedFieldsTracker.RecordUpdate(null, created, request);
            Assert.Equal(FieldSetReference.RecordUpdate(null, created, request).ToJsonString(), stored.ToJsonString());
            for (var write = 1; write < 12; write++)
            {
                var next = Mutate((JsonObject)stored.DeepClone(), random, random.Next(0, 4));
                request = new UpdateRequest(managers[random.Next(managers.Length)], Pod, random.Next(3) == 0 ? "v2" : "v1", T0.AddMinutes(write))
                {
                    Subresource = random.Next(3) == 0 ? "status" : null,
                };
                var want = FieldSetReference.RecordUpdate(stored, next, request).ToJsonString();
                var got = ManagedFieldsTracker.RecordUpdate(stored, next, request);
                Assert.True(want == got.ToJsonString(), $"chain {chain} write {write}\nstored {stored.ToJsonString()}\nnext {next.ToJsonString()}\nwant {want}\ngot  {got.ToJsonString()}");
                stored = got;
            }
        }
    }

    /// <summary>Applies edits at random nodes of the tree; managedFields is left alone.</summary>
    private static JsonObject Mutate(JsonObject root, Random random, int edits)
    {
        for (var i = 0; i < edits; i++)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            var node = nodes[random.Next(nodes.Count)];
            switch (node)
            {
                case JsonObject map:
                    EditMap(map, random);
                    break;
                case JsonArray list:
                    EditList(list, random);
                    break;
            }
        }
        return root;
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject map:
                foreach (var (key, child) in map)
                {
                    if (child is not null && key != "managedFields")
                    {
                        Collect(child, into);
                    }
                }
                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    if (child is not null)
                    {
                        Collect(child, into);
                    }
                }
                break;
        }
    }

    private static readonly string[] Keys = ["name", "image", "value", "status", "type", "containerPort", "ip", "extra", "labels", "command"];

    private static void EditMap(JsonObject map, Random random)
    {
        var keys = map.Select(p => p.Key).Where(k => k != "managedFields").ToList();
        var key = keys.Count > 0 && random.Next(2) == 0 ? keys[random.Next(keys.Count)] : Keys[random.Next(Keys.Length)];
        switch (random.Next(5))
        {
            case 0:
                map.Remove(key);
                break;
            case 1:
                map[key] = null;
                break;
            default:
                map[key] = RandomValue(random, depth: 0);
                break;
        }
    }

    private static void EditList(JsonArray list, Random random)
    {
        switch (random.Next(4))
        {
            case 0 when list.Count > 0:
                list.RemoveAt(random.Next(list.Count));
                break;
            case 1 when list.Count > 0:
                list.Add(list[random.Next(list.Count)]!.DeepClone()); // a duplicate makes a keyed list atomic
                break;
            case 2 when list.Count > 1:
                var first = list[0];
                list.RemoveAt(0);
                list.Add(first);
                break;
            default:
                list.Add(RandomValue(random, depth: 1));
                break;
        }
    }

    private static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 1 ? 3 : 7) switch
    {
        0 => JsonValue.Create("s" + random.Next(3)),
        1 => JsonValue.Create(random.Next(79, 83)),
        2 => random.Next(2) == 0 ? JsonValue.Create(true) : null,
        3 => new JsonObject(),
        4 => new JsonArray(),
        5 => new JsonArray(RandomValue(random, depth + 1), RandomValue(random, depth + 1)),
        _ => new JsonObject
        {
            [Keys[random.Next(Keys.Length)]] = RandomValue(random, depth + 1),
            [Keys[random.Next(Keys.Length)] + "x"] = RandomValue(random, depth + 1),
        },
    };
}
