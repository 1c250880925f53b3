namespace Timonel.Kubelet.Containerd;

/// <summary>How to run one containerd of our own. Everything it writes lives under <see cref="DataDir"/>.</summary>
public sealed record ContainerdOptions
{
    /// <summary>Root of this containerd's files; see <see cref="ContainerdPaths"/> for the layout.</summary>
    public required string DataDir { get; init; }

    /// <summary>
    /// A network namespace (a name under /var/run/netns) to run containerd in, or null for the
    /// caller's. containerd then runs the CNI plugins and its streaming server there too.
    /// </summary>
    public string? NetworkNamespace { get; init; }

    public string ContainerdPath { get; init; } = "containerd";

    public string NsenterPath { get; init; } = "nsenter";

    /// <summary>The image of every sandbox's pause container; the project's own by default.</summary>
    public string SandboxImage { get; init; } = Images.ProjectImages.Pause;

    /// <summary>Port of the CRI streaming server (exec, attach, port-forward) on 127.0.0.1; 0 lets containerd pick.</summary>
    public int StreamServerPort { get; init; }

    public string CniBinDir { get; init; } = "/usr/lib/cni";

    /// <summary>Where CRI reads CNI network configs; null means DataDir/cni/net.d.</summary>
    public string? CniConfDir { get; init; }

    /// <summary>A hosts.toml tree (mirrors, insecure registries) per registry host; null means DataDir/certs.d.</summary>
    public string? RegistryConfigPath { get; init; }

    /// <summary>
    /// Registry credentials per host (from the registries file's <c>configs.HOST.auth</c>), used when a
    /// pull brings none of its own. containerd 1.6 reads them from its CRI config even with config_path set.
    /// </summary>
    public IReadOnlyDictionary<string, Images.RegistryAuth> RegistryAuths { get; init; } = new Dictionary<string, Images.RegistryAuth>();

    /// <summary>containerd's log level (debug, info, warn, error).</summary>
    public string LogLevel { get; init; } = "info";

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause between containerd dying and the restart, so a crash loop does not spin.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a SIGTERM'd containerd may take before it is killed.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The files of one containerd under its data dir.</summary>
public sealed record ContainerdPaths(string DataDir, string CniConfDir, string RegistryConfigPath)
{
    public static ContainerdPaths For(ContainerdOptions options)
    {
        var dataDir = Path.GetFullPath(options.DataDir);
        return new ContainerdPaths(
            dataDir,
            options.CniConfDir ?? Path.Combine(dataDir, "cni", "net.d"),
            options.RegistryConfigPath ?? Path.Combine(dataDir, "certs.d"));
    }

    /// <summary>Persistent data: content store, snapshots, metadata.</summary>
    public string Root => Path.Combine(DataDir, "root");

    /// <summary>Ephemeral state: runc's state, task bundles, pod network namespaces.</summary>
    public string State => Path.Combine(DataDir, "state");

    /// <summary>The gRPC socket (containerd's API and CRI); keep it under 108 bytes.</summary>
    public string Socket => Path.Combine(DataDir, "containerd.sock");

    public string Config => Path.Combine(DataDir, "config.toml");

    public string Log => Path.Combine(DataDir, "containerd.log");

    /// <summary>runc's state root (--root), per containerd namespace below it.</summary>
    public string RuncRoot => Path.Combine(State, "runc");
}
