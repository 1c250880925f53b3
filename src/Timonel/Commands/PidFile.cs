namespace Timonel.Commands;

/// <summary>
/// The pid file of a process that `up` started in the background: DIR/server/server.pid for the
/// server, DIR/agent/agent.pid for the agent. A pid counts only while /proc says it is still a
/// timonel process of that role (pids are reused).
/// </summary>
internal sealed class PidFile(string role)
{
    public static readonly PidFile Server = new("server");
    public static readonly PidFile Agent = new("agent");

    private string PathOf(string dataDir) => Path.Combine(dataDir, role, role + ".pid");

    public void Write(string dataDir, int pid) => File.WriteAllText(PathOf(dataDir), pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");

    /// <summary>The pid, if the file names a process that is still a timonel process of this role.</summary>
    public int? ReadRunning(string dataDir)
    {
        var path = PathOf(dataDir);
        if (!File.Exists(path) || !int.TryParse(File.ReadAllText(path).Trim(), out var pid))
        {
            return null;
        }
        var cmdline = $"/proc/{pid}/cmdline";
        return File.Exists(cmdline) && File.ReadAllText(cmdline).Contains(role, StringComparison.Ordinal) ? pid : null;
    }

    public void Remove(string dataDir) => File.Delete(PathOf(dataDir));
}
