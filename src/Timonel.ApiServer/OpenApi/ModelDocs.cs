using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// The doc comments of the KubernetesClient models (the XML documentation file shipped with the
/// package, copied next to this assembly at build time). Its property summaries are upstream's field
/// descriptions. The file is ~25 MB, so it is read once, on first use, keeping only k8s.Models members.
/// A missing file yields no descriptions rather than an error: descriptions are documentation only.
/// </summary>
public static partial class ModelDocs
{
    public const string FileName = "KubernetesClient.xml";
    private const string ModelsPrefix = "k8s.Models.";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Summaries = new(Load);

    /// <summary>The summary of a model type, e.g. for V1DeploymentSpec; null when undocumented.</summary>
    public static string? OfType(Type t) => Summaries.Value.GetValueOrDefault("T:" + t.FullName);

    /// <summary>The summary of a model property, e.g. V1DeploymentSpec.Strategy; null when undocumented.</summary>
    public static string? OfProperty(Type t, string propertyName) =>
        Summaries.Value.GetValueOrDefault($"P:{t.FullName}.{propertyName}");

    private static IReadOnlyDictionary<string, string> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return result;
        }
        using var reader = XmlReader.Create(path, new XmlReaderSettings { IgnoreComments = true, DtdProcessing = DtdProcessing.Ignore });
        string? member = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }
            if (reader.Name == "member")
            {
                var name = reader.GetAttribute("name");
                member = name is not null && name.Length > 2 && name.AsSpan(2).StartsWith(ModelsPrefix, StringComparison.Ordinal) && name[0] is 'T' or 'P'
                    ? name : null;
            }
            else if (reader.Name == "summary" && member is not null)
            {
                result[member] = Normalize(reader.ReadElementContentAsString());
                member = null;
            }
        }
        return result;
    }

    /// <summary>
    /// The XML wraps upstream's one-line paragraphs at ~80 columns: lines are joined with spaces,
    /// blank lines stay paragraph breaks.
    /// </summary>
    internal static string Normalize(string summary)
    {
        var paragraphs = ParagraphBreak().Split(summary.Trim());
        var sb = new StringBuilder();
        foreach (var p in paragraphs)
        {
            if (sb.Length > 0)
            {
                sb.Append("\n\n");
            }
            sb.Append(Whitespace().Replace(p.Trim(), " "));
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
