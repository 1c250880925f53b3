using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Images;

/// <summary>What the image runs, in OCI image config terms.</summary>
public sealed record ImageRunConfig
{
    public IReadOnlyList<string> Entrypoint { get; init; } = [];

    public IReadOnlyList<string> Cmd { get; init; } = [];

    public IReadOnlyList<string> Env { get; init; } = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

    public string WorkingDir { get; init; } = "/";

    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
}

/// <summary>
/// Writes a single-layer image as an OCI image layout in a tar (oci-layout, index.json,
/// blobs/sha256/: config, manifest, one gzip layer), the archive `ctr images import` and
/// `docker load`/`podman load` accept. index.json names the image with the
/// io.containerd.image.name annotation, so the import needs no name argument.
/// </summary>
public static class OciImageBuilder
{
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    private const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";

    public static async Task WriteAsync(string archivePath, string imageName, ImageLayer layer, ImageRunConfig run, CancellationToken cancellationToken = default)
    {
        var (tar, gzip) = layer.Build();
        var config = Json(new JsonObject
        {
            ["architecture"] = Architecture(),
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Entrypoint"] = Array(run.Entrypoint),
                ["Cmd"] = Array(run.Cmd),
                ["Env"] = Array(run.Env),
                ["WorkingDir"] = run.WorkingDir,
                ["ExposedPorts"] = new JsonObject(run.ExposedPorts.Select(p => KeyValuePair.Create(p, (JsonNode?)new JsonObject()))),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = Array([ImageLayer.Digest(tar)]) },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = "Timonel OciImageBuilder" }),
        });
        var manifest = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestMediaType,
            ["config"] = Descriptor(ConfigMediaType, config),
            ["layers"] = new JsonArray(Descriptor(LayerMediaType, gzip)),
        });
        var manifestDescriptor = Descriptor(ManifestMediaType, manifest);
        manifestDescriptor["platform"] = new JsonObject { ["architecture"] = Architecture(), ["os"] = "linux" };
        manifestDescriptor["annotations"] = new JsonObject
        {
            ["io.containerd.image.name"] = imageName,
            ["org.opencontainers.image.ref.name"] = imageName[(imageName.LastIndexOf(':') + 1)..],
        };
        var index = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(manifestDescriptor),
        });

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(archivePath))!);
        var temporary = archivePath + ".tmp";
        await using (var file = File.Create(temporary))
        await using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
        {
            await AddAsync(writer, "oci-layout", Json(new JsonObject { ["imageLayoutVersion"] = "1.0.0" }), cancellationToken).ConfigureAwait(false);
            await AddAsync(writer, "index.json", index, cancellationToken).ConfigureAwait(false);
            foreach (var blob in new[] { config, manifest, gzip })
            {
                await AddAsync(writer, "blobs/sha256/" + ImageLayer.Digest(blob)["sha256:".Length..], blob, cancellationToken).ConfigureAwait(false);
            }
        }
        File.Move(temporary, archivePath, overwrite: true);
    }

    private static async Task AddAsync(TarWriter writer, string name, byte[] content, CancellationToken cancellationToken)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = ImageLayer.Regular,
            ModificationTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero),
            DataStream = new MemoryStream(content, writable: false),
        };
        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static JsonObject Descriptor(string mediaType, byte[] content) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = ImageLayer.Digest(content),
        ["size"] = content.Length,
    };

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static byte[] Json(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node);

    /// <summary>The GOARCH name of this machine, which is what image configs and containerd use.</summary>
    public static string Architecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => throw new PlatformNotSupportedException($"no image architecture name for {other}"),
    };
}
