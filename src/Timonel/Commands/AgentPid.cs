namespace Timonel.Commands;

/// <summary>The pid file of the agent that `up` started in the background (DIR/agent/agent.pid).</summary>
internal static class AgentPid
{
    private static string PathOf(string dataDir) => Path.Combine(dataDir, "agent", "agent.pid");

    public static void Write(string dataDir, int pid) => File.WriteAllText(PathOf(dataDir), pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");

    /// <summary>The pid, if the file names a process that is still a timonel agent.</summary>
    public static int? ReadRunning(string dataDir)
    {
        var path = PathOf(dataDir);
        if (!File.Exists(path) || !int.TryParse(File.ReadAllText(path).Trim(), out var pid))
        {
            return null;
        }
        var cmdline = $"/proc/{pid}/cmdline";
        return File.Exists(cmdline) && File.ReadAllText(cmdline).Contains("agent", StringComparison.Ordinal) ? pid : null;
    }

    public static void Remove(string dataDir) => File.Delete(PathOf(dataDir));
}
