using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Selectors;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Tests.Storage;

/// <summary>The watch cache's byte form of an object: what it writes and how selectors see it.</summary>
public sealed class CachedObjectTests
{
    private const string Pod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"shop","labels":{"app":"web","tier":"front"}},
         "spec":{"nodeName":"n2","hostNetwork":false,"containers":[{"name":"c","image":"x"}],"priority":7},
         "status":{"phase":"Running","podIP":"10.42.1.5"}}
        """;

    private static CachedObject Cached(string json, long revision = 42) =>
        CachedObject.FromStored(ObjectCodec.Encode((JsonObject)JsonNode.Parse(json)!), revision);

    private static ListOptions Select(string labels = "", string fields = "")
    {
        Assert.True(LabelSelector.TryParse(labels, out var l, out _));
        Assert.True(FieldSelector.TryParse(fields, out var f, out _));
        return new ListOptions { Labels = l, Fields = f };
    }

    [Fact]
    public void Writes_the_object_with_its_resource_version_as_parsing_it_shows()
    {
        var cached = Cached(Pod, 1234);
        var written = JsonNode.Parse(Encoding.UTF8.GetString(cached.ToJson()))!.AsObject();
        Assert.Equal("1234", written["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(written, cached.Parse()));
        Assert.Equal("n2", written["spec"]!["nodeName"]!.GetValue<string>());
    }

    [Fact]
    public void Every_watcher_of_an_event_gets_the_same_line_whether_built_in_place_or_shared()
    {
        var ev = new CachedEvent(43, "/registry/pods/shop/web-1", Cached(Pod, 43), Cached(Pod, 42), isDelete: false);
        string Written(bool metadataOnly)
        {
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            ev.WriteLine(output, "MODIFIED", metadataOnly);
            return Encoding.UTF8.GetString(output.WrittenSpan);
        }

        var first = Written(metadataOnly: false);
        Assert.Equal([first, first], [Written(metadataOnly: false), Written(metadataOnly: false)]);
        var line = JsonNode.Parse(first)!.AsObject();
        Assert.Equal(("MODIFIED", "43"), (line["type"]!.GetValue<string>(), line["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>()));
        Assert.EndsWith("}\n", first, StringComparison.Ordinal);

        var metadata = Written(metadataOnly: true);
        Assert.Equal(metadata, Written(metadataOnly: true));
        Assert.Null(JsonNode.Parse(metadata)!["object"]!["spec"]);
        Assert.Equal("PartialObjectMetadata", JsonNode.Parse(metadata)!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void At_another_revision_only_the_resource_version_changes()
    {
        var deleted = Cached(Pod, 10).AtRevision(11).Parse();
        Assert.Equal("11", deleted["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("web-1", deleted["metadata"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("app=web", "", true)]
    [InlineData("app=db", "", false)]
    [InlineData("tier in (front,back),!canary", "", true)]
    [InlineData("", "spec.nodeName=n2", true)]
    [InlineData("", "spec.nodeName=n1", false)]
    [InlineData("", "spec.nodeName!=n1,status.phase=Running", true)]
    [InlineData("", "metadata.name=web-1,metadata.namespace=shop", true)]
    [InlineData("", "spec.hostNetwork=false", true)]
    [InlineData("", "status.nominatedNodeName=", true)]
    [InlineData("app=web", "status.podIP=10.42.1.6", false)]
    // Paths outside the kept set are read from the parsed object.
    [InlineData("", "spec.priority=7", true)]
    [InlineData("", "spec.priority!=7", false)]
    [InlineData("", "kind=Pod", true)]
    public void Selectors_match_as_on_the_parsed_object(string labels, string fields, bool expected)
    {
        var cached = Cached(Pod);
        var options = Select(labels, fields);
        var parsed = cached.Parse();
        Assert.Equal(expected, cached.Matches(options));
        Assert.Equal(options.Labels.Matches(ObjectMeta.Labels(parsed)) && options.Fields.Matches(parsed), cached.Matches(options));
    }

    [Fact]
    public void An_object_without_labels_matches_only_selectors_that_allow_no_label()
    {
        var cached = Cached("""{"kind":"ConfigMap","metadata":{"name":"a","namespace":"n"},"data":{"k":"v"}}""");
        Assert.True(cached.Matches(Select("!app")));
        Assert.False(cached.Matches(Select("app")));
        Assert.True(cached.Matches(Select(fields: "metadata.name=a")));
    }

    [Theory]
    [InlineData(Pod)]
    [InlineData("""{"kind":"Event","metadata":{"name":"e","namespace":"n","labels":{"a":"1","b":2}},"involvedObject":{"kind":"Pod","name":"p","uid":"u","fieldPath":"spec.containers{c}"},"reason":"Started","type":"Normal","reportingComponent":"kubelet","count":3}""")]
    [InlineData("""{"kind":"ReplicaSet","metadata":{"name":"r","na\u006despace":"n","labels":{}},"status":{"replicas":3,"phase":{"nested":"x"}},"spec":{"unschedulable":true,"nodeName":null}}""")]
    [InlineData("""{"kind":"Weird","metadata":"not an object","spec":[1,2],"reason":{"x":1},"type":"T"}""")]
    public void Kept_fields_and_labels_read_as_from_the_parsed_object(string json)
    {
        var cached = Cached(json);
        var parsed = cached.Parse();
        string[] paths =
        [
            "metadata.name", "metadata.namespace", "metadata.deletionTimestamp", "spec.nodeName", "spec.hostNetwork",
            "spec.unschedulable", "status.phase", "status.podIP", "status.replicas", "involvedObject.kind", "involvedObject.name",
            "involvedObject.uid", "involvedObject.fieldPath", "reason", "type", "reportingComponent",
        ];
        foreach (var path in paths)
        {
            Assert.True(cached.Fields.TryGet(path, out var kept), path);
            Assert.Equal(FieldSelector.ValueAt(parsed, path) ?? "", kept);
        }
        // Labels: the string-valued members of metadata.labels, none when it holds none.
        var expected = ((parsed["metadata"] as JsonObject)?["labels"] as JsonObject)?
            .Where(l => l.Value?.GetValueKind() == System.Text.Json.JsonValueKind.String)
            .Select(l => $"{l.Key}={l.Value!.GetValue<string>()}").Order().ToList() ?? [];
        Assert.Equal(expected, cached.Fields.Labels?.Select(l => $"{l.Key}={l.Value}").Order().ToList() ?? []);
    }
}
