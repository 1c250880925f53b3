using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Tests.Storage;

/// <summary>Splicing resourceVersion into stored JSON must give the same object as parsing and setting it.</summary>
public sealed class StoredJsonTests
{
    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n"},"data":{"k":"v"}}""")]
    [InlineData("""{"spec":{"template":{"metadata":{"labels":{"x":"y"}}}},"metadata":{"name":"d"},"kind":"Deployment"}""")]
    [InlineData("""{"kind":"ConfigMap","metadata":{},"data":{"metadata":"{\"a\":1}"}}""")]
    [InlineData("""{"kind":"ConfigMap"}""")]
    [InlineData("""{}""")]
    public void Splicing_equals_setting_the_field_on_the_parsed_object(string stored)
    {
        var buffer = new ArrayBufferWriter<byte>();
        StoredJson.WriteWithResourceVersion(buffer, Encoding.UTF8.GetBytes(stored), 42);
        var spliced = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
        var expected = ObjectCodec.Decode(Encoding.UTF8.GetBytes(stored), 42);
        Assert.True(JsonNode.DeepEquals(expected, spliced), $"{spliced.ToJsonString()} != {expected.ToJsonString()}");
        Assert.Equal("42", spliced["metadata"]!["resourceVersion"]!.GetValue<string>());
    }
}
