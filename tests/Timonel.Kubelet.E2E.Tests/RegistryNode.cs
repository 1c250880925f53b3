using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// A <see cref="ContainerdNode"/> with two docker-registry instances inside its network namespace:
/// an open one on <see cref="OpenAddress"/> (also reachable as <see cref="UndeclaredAddress"/>,
/// which the registries file does not mention) and one behind basic auth on
/// <see cref="SecuredAddress"/>, and an HTTPS one with a self-signed certificate. The registries file declares both plain-HTTP registries and a
/// mirror for <see cref="MirroredRegistry"/>, and trusts the HTTPS one by CA file under one name and
/// by skipping verification under another; its hosts.toml files are in the node's config_path.
/// The same freshly built image is pushed to all three as <see cref="Repository"/>:<see cref="Tag"/>.
/// </summary>
public sealed class RegistryNode : IAsyncLifetime
{
    public const string OpenAddress = "10.213.0.1:5000";
    public const string UndeclaredAddress = "10.213.0.2:5000";
    public const string SecuredAddress = "10.213.0.1:5001";
    /// <summary>One HTTPS registry with a self-signed certificate (valid for .1, .2 and .3), named three ways.</summary>
    public const string TlsWithCaFile = "10.213.0.1:5443";
    public const string TlsSkipVerify = "10.213.0.2:5443";
    public const string TlsUndeclared = "10.213.0.3:5443";
    public const string MirroredRegistry = "registry.timonel.test";
    public const string Repository = "e2e/unique";
    public const string Tag = "1";
    public const string User = "puller";
    public const string Password = "pull-secret-42";

    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-registry-node-").FullName;
    private LocalRegistry? _open;
    private LocalRegistry? _secured;
    private LocalRegistry? _tls;

    public ContainerdNode Node { get; } = new();

    /// <summary>The pushed image's config digest: the id containerd reports for it once pulled.</summary>
    public string ImageId { get; private set; } = "";

    internal LocalRegistry Open => _open!;

    public async Task InitializeAsync()
    {
        await Node.InitializeAsync();
        try
        {
            foreach (var ip in new[] { "10.213.0.1", "10.213.0.2", "10.213.0.3" })
            {
                await Run.CheckedAsync("ip", "-n", Node.Netns, "addr", "add", ip + "/32", "dev", "lo");
            }
            // The open registry listens on every address of the namespace, so it is reachable under
            // a name the registries file declares and one it does not.
            _open = await LocalRegistry.StartAsync(Node.Netns, ":5000", "10.213.0.1:5000");
            _secured = await LocalRegistry.StartAsync(Node.Netns, SecuredAddress, SecuredAddress, (User, Password));
            var (certFile, keyFile) = await SelfSignedCertificate.WriteAsync(_dir, ["10.213.0.1", "10.213.0.2", "10.213.0.3"]);
            _tls = await LocalRegistry.StartAsync(Node.Netns, ":5443", TlsWithCaFile, tls: (certFile, keyFile));

            var archive = await TestImages.WriteUniqueAsync(Path.Combine(_dir, "unique.tar"), "timonel.local/unique:1");
            ImageId = await RegistryPusher.PushAsync(_open.Http, _open.BaseUri, archive, Repository, Tag);
            await RegistryPusher.PushAsync(_secured.Http, _secured.BaseUri, archive, Repository, Tag, RegistryPusher.Basic(User, Password));
            await RegistryPusher.PushAsync(_tls.Http, _tls.BaseUri, archive, Repository, Tag);

            var registriesFile = Path.Combine(_dir, RegistriesConfig.FileName);
            await File.WriteAllTextAsync(registriesFile, $"""
                mirrors:
                  "{OpenAddress}":
                    endpoint: ["http://{OpenAddress}"]
                  "{SecuredAddress}":
                    endpoint: ["http://{SecuredAddress}"]
                  {MirroredRegistry}:
                    endpoint: ["http://{OpenAddress}"]
                configs:
                  "{TlsWithCaFile}":
                    tls:
                      ca_file: {certFile}
                  "{TlsSkipVerify}":
                    tls:
                      insecure_skip_verify: true
                """);
            var config = RegistriesConfig.Load(registriesFile, out var error) ?? throw new InvalidOperationException(error);
            await RegistryHosts.WriteAsync(Node.Supervisor.Paths.RegistryConfigPath, config, NullLogger.Instance, CancellationToken.None);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var step in new Func<Task>[]
        {
            async () => { if (_open is not null) await _open.DisposeAsync(); },
            async () => { if (_secured is not null) await _secured.DisposeAsync(); },
            async () => { if (_tls is not null) await _tls.DisposeAsync(); },
            Node.DisposeAsync,
            () => { Directory.Delete(_dir, recursive: true); return Task.CompletedTask; },
        })
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0)
        {
            throw new AggregateException("registry node clean-up failed", failures);
        }
    }
}
