namespace Timonel.Commands;

/// <summary>Dispatches `timonel COMMAND [flags]` to the command that handles it.</summary>
internal static class CommandLine
{
    private const string Usage = """
        Usage: timonel COMMAND [flags]

        Commands:
          up          start a local cluster of N nodes on this machine (up [--nodes N] [--isolated] [--foreground])
          down        stop and remove what `up` started
          server      run the control plane (API server on HTTPS, controllers, scheduler)
          agent       run a node: real containers through containerd (or --simulated --nodes N)
          kubeconfig  print the admin kubeconfig of a server's data dir
          image       load an image archive into the nodes (image import FILE.tar [--node NAME])
          store       inspect the state store (store status --data-dir DIR)
          version     print the version

        Run 'timonel COMMAND --help' for the flags of a command.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var rest = args[1..];
        try
        {
            return args[0] switch
            {
                "up" => await UpCommand.RunAsync(Flags.Parse(rest)),
                "down" => await DownCommand.RunAsync(Flags.Parse(rest)),
                "agent" => await AgentCommand.RunAsync(Flags.Parse(rest)),
                "server" => await ServerCommand.RunAsync(Flags.Parse(rest)),
                "kubeconfig" => KubeconfigCommand.Run(Flags.Parse(rest)),
                "image" => await ImageCommand.RunAsync(Flags.Parse(rest)),
                "store" => await StoreCommand.RunAsync(rest),
                "version" => VersionCommand.Run(),
                _ => Fail($"unknown command \"{args[0]}\"\n\n{Usage}"),
            };
        }
        catch (FlagException e)
        {
            return Fail(e.Message);
        }
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine($"timonel: {message}");
        return 2;
    }
}
