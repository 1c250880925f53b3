namespace Timonel.Commands;

internal static class VersionCommand
{
    public static string Version =>
        typeof(VersionCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static int Run()
    {
        Console.WriteLine($"timonel v{Version}");
        return 0;
    }
}
