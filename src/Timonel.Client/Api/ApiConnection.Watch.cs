using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Timonel.Client.Api;

/// <summary>Watch: a stream of line-delimited JSON events.</summary>
public sealed partial class ApiConnection
{
    /// <summary>
    /// Opens a watch. An HTTP error before the stream (e.g. 410 Gone for a compacted revision)
    /// is returned as a single ERROR event carrying the Status, like an in-stream error. The
    /// sequence ends when the server ends the stream; a broken connection throws
    /// HttpRequestException or IOException.
    /// </summary>
    public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, ListOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        WatchPathAsync<T>(ResourceTable.PathOf(ResourceTable.For<T>(), ns) + Query(options, watch: true), null, ct);

    /// <summary>A watch of any built-in resource whose events carry only the objects' metadata.</summary>
    public IAsyncEnumerable<WatchEvent<PartialObjectMetadata>> WatchMetadataAsync(Timonel.Api.Scheme.ResourceInfo resource, string? ns,
        ListOptions? options = null, CancellationToken ct = default) =>
        WatchPathAsync<PartialObjectMetadata>(ResourceTable.PathOf(resource, ns) + Query(options, watch: true), MetadataAccept, ct);

    private async IAsyncEnumerable<WatchEvent<T>> WatchPathAsync<T>(string path, string? accept,
        [EnumeratorCancellation] CancellationToken ct)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Clear();
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            yield return new WatchEvent<T>(WatchEventType.Error, null, ParseStatus(text, response.StatusCode));
            yield break;
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var lines = new Utf8LineReader(stream);
        while (await lines.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            yield return ParseEvent<T>(line);
        }
    }

    internal static WatchEvent<T> ParseEvent<T>(ReadOnlyMemory<byte> line) where T : class
    {
        using var doc = JsonDocument.Parse(line);
        var type = doc.RootElement.GetProperty("type").GetString() switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            _ => WatchEventType.Error,
        };
        var obj = doc.RootElement.GetProperty("object");
        return type == WatchEventType.Error
            ? new WatchEvent<T>(type, null, ParseStatus(obj.GetRawText(), HttpStatusCode.InternalServerError))
            : new WatchEvent<T>(type, KubernetesJson.Deserialize<T>(obj), null);
    }
}
