using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// Credentials in the registries file reach containerd through its config (hosts.toml has no place
/// for them): a containerd of its own, set up the way the agent does at start, pulls from the
/// auth-protected registry with no credentials in the CRI request.
/// </summary>
public sealed class RegistriesFileCredentialsTests(RegistryNode registry) : IClassFixture<RegistryNode>
{
    [Fact]
    public async Task A_containerd_set_up_from_the_registries_file_pulls_from_a_registry_with_auth()
    {
        var agentDir = Directory.CreateTempSubdirectory("timonel-agent-").FullName;
        var options = new ContainerdOptions { DataDir = Path.Combine(agentDir, "containerd"), NetworkNamespace = registry.Node.Netns };
        ContainerdSupervisor? containerd = null;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(agentDir, RegistriesConfig.FileName), $"""
                mirrors:
                  "{RegistryNode.SecuredAddress}":
                    endpoint: ["http://{RegistryNode.SecuredAddress}"]
                configs:
                  "{RegistryNode.SecuredAddress}":
                    auth:
                      username: {RegistryNode.User}
                      password: {RegistryNode.Password}
                """);
            var prepared = await NodeRegistries.PrepareAsync(agentDir, ContainerdPaths.For(options).RegistryConfigPath, NullLogger.Instance, CancellationToken.None);
            Assert.Null(prepared.Error);
            containerd = new ContainerdSupervisor(options with { RegistryAuths = prepared.Auths });
            await containerd.StartAsync(CancellationToken.None);
            using var cri = containerd.CreateClient();

            var pulled = await cri.PullImageAsync($"{RegistryNode.SecuredAddress}/{RegistryNode.Repository}:{RegistryNode.Tag}");

            Assert.Equal(registry.ImageId, pulled.GetValueOrThrow());
        }
        finally
        {
            if (containerd is not null)
            {
                await containerd.StopAsync();
                await ContainerdTeardown.RemoveAllAsync(containerd.Paths);
            }
            Directory.Delete(agentDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_registries_file_with_a_bad_endpoint_stops_the_agent_with_the_reason()
    {
        var agentDir = Directory.CreateTempSubdirectory("timonel-agent-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(agentDir, RegistriesConfig.FileName), """
                mirrors:
                  docker.io:
                    endpoint: ["mirror.example.com:5000"]
                """);
            var prepared = await NodeRegistries.PrepareAsync(agentDir, Path.Combine(agentDir, "certs.d"), NullLogger.Instance, CancellationToken.None);
            Assert.Equal($"{Path.Combine(agentDir, RegistriesConfig.FileName)}: mirrors.\"docker.io\": endpoint \"mirror.example.com:5000\" is not an http:// or https:// URL", prepared.Error);
        }
        finally
        {
            Directory.Delete(agentDir, recursive: true);
        }
    }
}
