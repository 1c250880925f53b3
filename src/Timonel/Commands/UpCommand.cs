using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Commands;

/// <summary>
/// `timonel up`: a local cluster on this machine. Today that is the control plane (API server,
/// controllers, scheduler) on the embedded SQLite store, started in the background (or attached with --foreground); `up`
/// waits until it is ready, prints how to reach it, and says plainly what is not built yet.
/// </summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        var port = flags.Int("https-listen-port", 6443);
        var foreground = flags.Bool("foreground");
        flags.EnsureAllUsed();
        var serverArgs = new[] { "server", "--data-dir", dataDir, "--https-listen-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (foreground)
        {
            return await ServerCommand.RunAsync(Flags.Parse(serverArgs[1..]));
        }

        var serverDir = Path.Combine(dataDir, "server");
        Directory.CreateDirectory(serverDir);
        var log = Path.Combine(serverDir, "server.log");
        if (ServerPid.ReadRunning(dataDir) is { } running)
        {
            Console.WriteLine($"timonel: a server is already running for {dataDir} (pid {running})");
        }
        else
        {
            Console.WriteLine($"timonel: starting the API server (data dir {dataDir}, log {log})");
            var pid = StartDetached(serverArgs, log);
            ServerPid.Write(dataDir, pid);
        }
        var url = $"https://127.0.0.1:{port}";
        if (!await WaitReadyAsync(dataDir, url, TimeSpan.FromSeconds(60)))
        {
            Console.Error.WriteLine($"timonel: the server did not become ready; last lines of {log}:");
            foreach (var line in File.Exists(log) ? File.ReadLines(log).TakeLast(20) : []) Console.Error.WriteLine("  " + line);
            return 1;
        }
        var kubeconfig = Path.Combine(dataDir, "kubeconfig");
        var bundled = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".tools", "bin", "kubectl");
        Console.WriteLine($"""
            timonel: API server ready at {url} (embedded SQLite store: {DataDir.StorePath(dataDir)})
              export KUBECONFIG={kubeconfig}
              kubectl get namespaces{(File.Exists(bundled) ? $"      (kubectl v1.35: {Path.GetFullPath(bundled)})" : "")}
            running: API server, controller manager, scheduler. Not built yet: the node agent that runs
            real containers, and networking, so pods are scheduled only onto simulated nodes
            (timonel agent --simulated --nodes N --server https://127.0.0.1:{port} --token "$(cat {Path.Combine(dataDir, "server", "token")})").
            stop it with: ./timonel down{(dataDir == DataDir.Resolve(Flags.Parse([])) ? "" : $" --data-dir {dataDir}")}
            """);
        return 0;
    }

    /// <summary>Starts `timonel server` in its own session, detached from this terminal, logging to a file.</summary>
    private static int StartDetached(string[] serverArgs, string log)
    {
        var self = Environment.ProcessPath!;
        var dll = typeof(UpCommand).Assembly.Location;
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$TIMONEL_LOG\" 2>&1 </dev/null & echo $!");
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(self);
            psi.ArgumentList.Add(dll);
        }
        else
        {
            psi.ArgumentList.Add(self);
        }
        foreach (var a in serverArgs) psi.ArgumentList.Add(a);
        psi.Environment["TIMONEL_LOG"] = log;
        using var p = Process.Start(psi)!;
        var pidText = p.StandardOutput.ReadLine();
        p.WaitForExit();
        return int.Parse(pidText!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> WaitReadyAsync(string dataDir, string url, TimeSpan timeout)
    {
        var caPath = Path.Combine(dataDir, "server", "tls", "ca.crt");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(caPath))
            {
                using var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
                using var handler = new SocketsHttpHandler();
                handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
                };
                using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
                try
                {
                    using var response = await client.GetAsync(url + "/readyz");
                    if (response.StatusCode == HttpStatusCode.OK) return true;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }
            }
            await Task.Delay(100);
        }
        return false;
    }
}
