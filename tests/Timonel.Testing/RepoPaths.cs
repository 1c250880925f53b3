namespace Timonel.Testing;

/// <summary>Where the repository, the built timonel binary and the installed tools are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The timonel.dll of the same configuration as this test assembly.</summary>
    public static string TimonelDll
    {
        get
        {
            var config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name;
            return Path.Combine(Root, ".artifacts", "bin", "Timonel", config, "timonel.dll");
        }
    }

    public static string Kubectl => Tool("kubectl");
    public static string Helm => Tool("helm");

    private static string Tool(string name)
    {
        var path = Path.Combine(Root, ".tools", "bin", name);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run scripts/install-kubectl.sh");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Timonel.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Timonel.slnx) not found above " + AppContext.BaseDirectory);
    }
}
