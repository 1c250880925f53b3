namespace Timonel.Commands;

/// <summary>`timonel kubeconfig`: prints the admin kubeconfig the server wrote to its data dir.</summary>
internal static class KubeconfigCommand
{
    public static int Run(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        flags.EnsureAllUsed();
        var path = Path.Combine(dataDir, "kubeconfig");
        if (!File.Exists(path))
        {
            return CommandLine.Fail($"no kubeconfig at {path}: start `timonel server --data-dir {dataDir}` first");
        }
        Console.Write(File.ReadAllText(path));
        return 0;
    }
}
