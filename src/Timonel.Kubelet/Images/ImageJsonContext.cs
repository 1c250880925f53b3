using System.Text.Json.Serialization;

namespace Timonel.Kubelet.Images;

[JsonSerializable(typeof(Dictionary<string, ImageAutoImport.ArchiveStamp>))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;
