using System.Runtime.CompilerServices;
using System.Text;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>Fixtures/NAME.pb (the body kubectl sent) and Fixtures/NAME.json (its dry-run output).</summary>
internal static class FixtureFiles
{
    private static string OutputDir => Path.Combine(AppContext.BaseDirectory, "Protobuf", "Fixtures");

    public static Task<byte[]> ReadBodyAsync(string name) => File.ReadAllBytesAsync(Path.Combine(OutputDir, name + ".pb"));

    public static Task<string> ReadJsonAsync(string name) => File.ReadAllTextAsync(Path.Combine(OutputDir, name + ".json"));

    /// <summary>Writes into the source tree (next to this file), plus the command list.</summary>
    public static async Task WriteAsync(KubectlCreateCase command, byte[] body, string json)
    {
        var dir = SourceDir();
        await File.WriteAllBytesAsync(Path.Combine(dir, command.Name + ".pb"), body);
        await File.WriteAllTextAsync(Path.Combine(dir, command.Name + ".json"), json);
        var list = new StringBuilder("# Protobuf request bodies captured from kubectl v1.35.2\n\n")
            .Append("Written by KubectlProtobufTests with TIMONEL_WRITE_PROTOBUF_FIXTURES=1. `NAME.pb` is the body of\n")
            .Append("the command below; `NAME.json` is what the same command prints with `--dry-run=client -o json`.\n")
            .Append("Input files for `--from-file` are in KubectlCreateCases.InputFiles.\n\n");
        foreach (var c in KubectlCreateCases.All)
        {
            list.Append("- `").Append(c.Name).Append("`: `").Append(c.CommandLine).Append("`\n");
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "README.md"), list.ToString());
    }

    private static string SourceDir([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "Fixtures");
}
