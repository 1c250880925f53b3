using System.Diagnostics;
using System.Text;

namespace Timonel.Kubelet.Images;

/// <summary>
/// The images Timonel builds itself, since no registry is reachable on its test machines: the
/// sandbox (pause) image, a busybox, and an HTTP server that answers with its pod's name. Names
/// are under timonel.local, a registry that does not exist, so nothing ever tries to pull them
/// once they are imported.
/// </summary>
public static class ProjectImages
{
    public const string Pause = "timonel.local/pause:3.10";
    public const string Busybox = "timonel.local/busybox:1";
    public const string Http = "timonel.local/http:1";

    /// <summary>Debian's busybox-static; applets are symlinks to it.</summary>
    public const string DefaultBusyboxPath = "/bin/busybox";

    /// <summary>The static pause binary this assembly's build compiled and ships next to itself.</summary>
    public static string DefaultPausePath => Path.Combine(AppContext.BaseDirectory, "timonel-pause");

    /// <summary>The shell script the http image runs: port $PORT (default 80), page = $POD_NAME or the hostname.</summary>
    private const string HttpServeScript = """
        #!/bin/sh
        # Timonel's test HTTP server: every path answers with this pod's name.
        set -e
        mkdir -p /tmp/www/cgi-bin
        echo "${POD_NAME:-$(hostname)}" > /tmp/www/index.html
        printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "${POD_NAME:-$(hostname)}"\n' > /tmp/www/cgi-bin/name
        chmod 755 /tmp/www/cgi-bin/name
        echo "http-serve: listening on ${PORT:-80}"
        exec httpd -f -v -p "${PORT:-80}" -h /tmp/www
        """;

    /// <summary>Writes pause.tar, busybox.tar and http.tar into <paramref name="directory"/>; returns their paths by image name.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> WriteAllAsync(
        string directory, string? pausePath = null, string busyboxPath = DefaultBusyboxPath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var archives = new Dictionary<string, string>
        {
            [Pause] = Path.Combine(directory, "pause.tar"),
            [Busybox] = Path.Combine(directory, "busybox.tar"),
            [Http] = Path.Combine(directory, "http.tar"),
        };
        await OciImageBuilder.WriteAsync(archives[Pause], Pause,
            new ImageLayer().AddFileFrom("pause", pausePath ?? DefaultPausePath),
            new ImageRunConfig { Entrypoint = ["/pause"] }, cancellationToken).ConfigureAwait(false);

        var applets = await ListAppletsAsync(busyboxPath, cancellationToken).ConfigureAwait(false);
        await OciImageBuilder.WriteAsync(archives[Busybox], Busybox,
            BusyboxLayer(busyboxPath, applets),
            new ImageRunConfig { Cmd = ["sh"] }, cancellationToken).ConfigureAwait(false);
        await OciImageBuilder.WriteAsync(archives[Http], Http,
            BusyboxLayer(busyboxPath, applets).AddFile("bin/http-serve", Encoding.UTF8.GetBytes(HttpServeScript + "\n"), ImageLayer.Executable),
            new ImageRunConfig { Cmd = ["/bin/http-serve"], ExposedPorts = ["80/tcp"] }, cancellationToken).ConfigureAwait(false);
        return archives;
    }

    private static ImageLayer BusyboxLayer(string busyboxPath, IEnumerable<string> applets)
    {
        var layer = new ImageLayer()
            .AddFileFrom("bin/busybox", busyboxPath)
            .AddDirectory("tmp", (UnixFileMode)0b1_111_111_111) // 1777
            .AddDirectory("root", (UnixFileMode)0b111_000_000)
            .AddDirectory("etc")
            .AddFile("etc/passwd", Encoding.UTF8.GetBytes("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"))
            .AddFile("etc/group", Encoding.UTF8.GetBytes("root:x:0:\nnogroup:x:65534:\n"));
        foreach (var applet in applets.Where(a => a != "bin/busybox"))
        {
            layer.AddSymlink(applet, "/bin/busybox");
        }
        return layer;
    }

    /// <summary>The applets' install paths ("bin/sh", "usr/sbin/httpd"), as busybox itself lists them.</summary>
    private static async Task<IReadOnlyList<string>> ListAppletsAsync(string busyboxPath, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(busyboxPath, "--list-full") { RedirectStandardOutput = true };
        using var busybox = Process.Start(info) ?? throw new InvalidOperationException($"{busyboxPath} did not start");
        var output = await busybox.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await busybox.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (busybox.ExitCode != 0)
        {
            throw new InvalidOperationException($"{busyboxPath} --list-full exited with {busybox.ExitCode}");
        }
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
