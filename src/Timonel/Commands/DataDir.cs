namespace Timonel.Commands;

/// <summary>Where a Timonel process keeps its state: `--data-dir`, else a per-user default.</summary>
internal static class DataDir
{
    public static string Resolve(Flags flags)
    {
        var explicitDir = flags.String("data-dir");
        if (explicitDir is not null)
        {
            return Path.GetFullPath(explicitDir);
        }
        if (Environment.UserName == "root")
        {
            return "/var/lib/timonel";
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "timonel");
    }

    public static string StorePath(string dataDir) => Path.Combine(dataDir, "server", "db", "state.db");
}
