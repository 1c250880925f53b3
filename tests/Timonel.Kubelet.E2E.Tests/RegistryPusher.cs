using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// Pushes the image of an OCI layout archive (as OciImageBuilder writes them) to a registry with
/// the registry HTTP API v2: each blob by a monolithic upload (POST, then PUT with its digest),
/// then the manifest under a tag.
/// </summary>
internal static class RegistryPusher
{
    /// <summary>Returns the digest of the image's config, which is the id the runtime gives the image.</summary>
    public static async Task<string> PushAsync(HttpClient http, Uri registry, string archive, string repository, string tag,
        AuthenticationHeaderValue? auth = null)
    {
        var files = await ReadArchiveAsync(archive);
        var index = JsonNode.Parse(files["index.json"])!;
        var manifestDigest = (string)index["manifests"]![0]!["digest"]!;
        var manifestBytes = files[BlobPath(manifestDigest)];
        var manifest = JsonNode.Parse(manifestBytes)!;
        var configDigest = (string)manifest["config"]!["digest"]!;
        var blobs = manifest["layers"]!.AsArray().Select(l => (string)l!["digest"]!).Prepend(configDigest);
        foreach (var digest in blobs)
        {
            using var start = new HttpRequestMessage(HttpMethod.Post, new Uri(registry, $"/v2/{repository}/blobs/uploads/"));
            start.Headers.Authorization = auth;
            using var started = await http.SendAsync(start);
            await ExpectAsync(started, HttpStatusCode.Accepted, "blob upload start");
            var location = new Uri(registry, started.Headers.Location!);
            var separator = location.Query.Length > 0 ? "&" : "?";
            using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(location + separator + "digest=" + Uri.EscapeDataString(digest)))
            {
                Content = new ByteArrayContent(files[BlobPath(digest)]),
            };
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            put.Headers.Authorization = auth;
            using var stored = await http.SendAsync(put);
            await ExpectAsync(stored, HttpStatusCode.Created, "blob upload " + digest);
        }
        using var putManifest = new HttpRequestMessage(HttpMethod.Put, new Uri(registry, $"/v2/{repository}/manifests/{tag}"))
        {
            Content = new ByteArrayContent(manifestBytes),
        };
        putManifest.Content.Headers.ContentType = new MediaTypeHeaderValue((string)manifest["mediaType"]!);
        putManifest.Headers.Authorization = auth;
        using var created = await http.SendAsync(putManifest);
        await ExpectAsync(created, HttpStatusCode.Created, "manifest");
        return configDigest;
    }

    /// <summary>The config digest of an archive's image: the id containerd gives it once imported or pulled.</summary>
    public static async Task<string> ConfigDigestAsync(string archive)
    {
        var files = await ReadArchiveAsync(archive);
        var manifestDigest = (string)JsonNode.Parse(files["index.json"])!["manifests"]![0]!["digest"]!;
        return (string)JsonNode.Parse(files[BlobPath(manifestDigest)])!["config"]!["digest"]!;
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static string BlobPath(string digest) => "blobs/sha256/" + digest["sha256:".Length..];

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode code, string what)
    {
        if (response.StatusCode != code)
        {
            throw new InvalidOperationException($"push {what}: registry answered {(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<Dictionary<string, byte[]>> ReadArchiveAsync(string archive)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var stream = File.OpenRead(archive);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                using var buffer = new MemoryStream();
                await data.CopyToAsync(buffer);
                files[entry.Name.TrimStart('.', '/')] = buffer.ToArray();
            }
        }
        return files;
    }
}
