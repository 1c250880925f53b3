using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Hosting;

/// <summary>/version: the Kubernetes version Timonel speaks, and its own build.</summary>
public static class VersionInfo
{
    public const string KubernetesVersion = "v1.35.0";

    public static JsonObject Document() => new()
    {
        ["major"] = "1",
        ["minor"] = "35",
        ["gitVersion"] = KubernetesVersion + "+timonel",
        ["gitCommit"] = "timonel",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-27T00:00:00Z",
        ["goVersion"] = "dotnet" + Environment.Version,
        ["compiler"] = "roslyn",
        ["platform"] = "linux/amd64",
    };
}
