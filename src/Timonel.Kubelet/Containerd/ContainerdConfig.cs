using System.Globalization;
using System.Text;

namespace Timonel.Kubelet.Containerd;

/// <summary>
/// Writes the containerd 1.6 (config version 2) file for one of our containerds. Every path and
/// socket is under the data dir, so it never collides with a system containerd or another node's:
/// root, state, the gRPC and ttrpc sockets, runc's state root, the opt plugin's directory and the
/// pod network namespaces (netns_mounts_under_state_dir). Debug and metrics listeners stay off.
/// </summary>
public static class ContainerdConfig
{
    public static string Render(ContainerdOptions options, ContainerdPaths paths)
    {
        var toml = new StringBuilder();
        toml.AppendLine("version = 2");
        toml.AppendLine(Kv("root", paths.Root));
        toml.AppendLine(Kv("state", paths.State));
        // A negative score is refused on this kind of machine, and 0 is the default anyway.
        toml.AppendLine("oom_score = 0");
        // Snapshotters we never use; aufs, btrfs, zfs and devmapper only fail to load and log noise.
        toml.AppendLine("""disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]""");
        toml.AppendLine();
        toml.AppendLine("[grpc]");
        toml.AppendLine(Kv("  address", paths.Socket));
        toml.AppendLine("[ttrpc]");
        toml.AppendLine(Kv("  address", paths.Socket + ".ttrpc"));
        toml.AppendLine("[debug]");
        toml.AppendLine("  address = \"\"");
        toml.AppendLine(Kv("  level", options.LogLevel));
        toml.AppendLine("[metrics]");
        toml.AppendLine("  address = \"\"");
        toml.AppendLine();
        toml.AppendLine("[plugins]");
        toml.AppendLine("  [plugins.\"io.containerd.internal.v1.opt\"]");
        toml.AppendLine(Kv("    path", Path.Combine(paths.Root, "opt")));
        toml.AppendLine("  [plugins.\"io.containerd.grpc.v1.cri\"]");
        toml.AppendLine(Kv("    sandbox_image", options.SandboxImage));
        // This kind of machine denies a negative oom_score_adj; without this runc fails to start
        // any container ("can't get final child's PID from pipe: EOF").
        toml.AppendLine("    restrict_oom_score_adj = true");
        toml.AppendLine("    netns_mounts_under_state_dir = true");
        toml.AppendLine("    disable_tcp_service = true");
        toml.AppendLine("    stream_server_address = \"127.0.0.1\"");
        toml.AppendLine(Kv("    stream_server_port", options.StreamServerPort.ToString(CultureInfo.InvariantCulture)));
        toml.AppendLine("    enable_tls_streaming = false");
        toml.AppendLine("    systemd_cgroup = false");
        toml.AppendLine("    [plugins.\"io.containerd.grpc.v1.cri\".cni]");
        toml.AppendLine(Kv("      bin_dir", options.CniBinDir));
        toml.AppendLine(Kv("      conf_dir", paths.CniConfDir));
        toml.AppendLine("      max_conf_num = 1");
        toml.AppendLine("    [plugins.\"io.containerd.grpc.v1.cri\".containerd]");
        toml.AppendLine("      snapshotter = \"overlayfs\"");
        toml.AppendLine("      default_runtime_name = \"runc\"");
        toml.AppendLine("      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]");
        toml.AppendLine("        runtime_type = \"io.containerd.runc.v2\"");
        toml.AppendLine("        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]");
        toml.AppendLine("          BinaryName = \"runc\"");
        toml.AppendLine(Kv("          Root", paths.RuncRoot));
        // cgroupfs: pods' cgroups are plain directories under each v1 hierarchy, named by cgroup_parent.
        toml.AppendLine("          SystemdCgroup = false");
        toml.AppendLine("    [plugins.\"io.containerd.grpc.v1.cri\".registry]");
        toml.AppendLine(Kv("      config_path", paths.RegistryConfigPath));
        foreach (var (host, auth) in options.RegistryAuths.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            toml.AppendLine($"      [plugins.\"io.containerd.grpc.v1.cri\".registry.configs.{Quote(host)}.auth]");
            AppendIfSet(toml, "        username", auth.Username);
            AppendIfSet(toml, "        password", auth.Password);
            AppendIfSet(toml, "        auth", auth.Auth);
            AppendIfSet(toml, "        identitytoken", auth.IdentityToken);
        }
        return toml.ToString();
    }

    /// <summary>Writes the config and creates the directories containerd expects to exist.</summary>
    public static async Task WriteAsync(ContainerdOptions options, ContainerdPaths paths, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.DataDir);
        Directory.CreateDirectory(paths.CniConfDir);
        Directory.CreateDirectory(paths.RegistryConfigPath);
        // Owner-only before any content lands: registry credentials may be in it.
        using (File.Create(paths.Config, 0, FileOptions.None))
        {
        }
        File.SetUnixFileMode(paths.Config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(paths.Config, Render(options, paths), cancellationToken).ConfigureAwait(false);
    }

    private static string Kv(string key, string value) => $"{key} = {Quote(value)}";

    private static void AppendIfSet(StringBuilder toml, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            toml.AppendLine(Kv(key, value));
        }
    }

    /// <summary>A TOML basic string.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }
}
