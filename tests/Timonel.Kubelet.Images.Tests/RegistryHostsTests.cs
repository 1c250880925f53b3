using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Images.Tests;

public sealed class RegistryHostsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-registries-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RegistriesConfig Load(string yaml)
    {
        var path = Path.Combine(_dir, RegistriesConfig.FileName);
        File.WriteAllText(path, yaml);
        var config = RegistriesConfig.Load(path, out var error);
        Assert.Null(error);
        return config!;
    }

    private static string[] Lines(string toml) =>
        toml.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#')).ToArray();

    [Fact]
    public void A_docker_hub_mirror_is_tried_before_docker_hub()
    {
        var hosts = RegistryHosts.Render(Load("""
            mirrors:
              docker.io:
                endpoint:
                  - "http://10.0.0.1:5000"
            """));
        Assert.Equal([
            "server = \"https://registry-1.docker.io\"",
            "[host.\"http://10.0.0.1:5000\"]",
            "capabilities = [\"pull\", \"resolve\"]",
        ], Lines(hosts["docker.io"]));
    }

    [Fact]
    public void A_plain_http_registry_named_as_its_own_endpoint_becomes_the_server()
    {
        var hosts = RegistryHosts.Render(Load("""
            mirrors:
              "10.0.0.1:5000":
                endpoint: ["http://10.0.0.1:5000"]
            """));
        Assert.Equal([
            "server = \"http://10.0.0.1:5000\"",
            "[host.\"http://10.0.0.1:5000\"]",
            "capabilities = [\"pull\", \"resolve\"]",
        ], Lines(hosts["10.0.0.1:5000"]));
    }

    [Fact]
    public void Tls_settings_go_to_the_host_they_name()
    {
        var hosts = RegistryHosts.Render(Load("""
            mirrors:
              registry.example.com:
                endpoint: ["https://mirror.example.com:8443"]
            configs:
              "mirror.example.com:8443":
                tls:
                  insecure_skip_verify: true
              registry.example.com:
                tls:
                  ca_file: /etc/ssl/registry-ca.pem
                  cert_file: /etc/ssl/client.pem
                  key_file: /etc/ssl/client.key
            """));
        Assert.Equal([
            "server = \"https://registry.example.com\"",
            "ca = \"/etc/ssl/registry-ca.pem\"",
            "client = [[\"/etc/ssl/client.pem\", \"/etc/ssl/client.key\"]]",
            "[host.\"https://mirror.example.com:8443\"]",
            "capabilities = [\"pull\", \"resolve\"]",
            "skip_verify = true",
        ], Lines(hosts["registry.example.com"]));
        // A host named only under configs gets its own file: pulls straight from it verify with its settings.
        Assert.Equal([
            "server = \"https://mirror.example.com:8443\"",
            "skip_verify = true",
            "[host.\"https://mirror.example.com:8443\"]",
            "capabilities = [\"pull\", \"resolve\"]",
            "skip_verify = true",
        ], Lines(hosts["mirror.example.com:8443"]));
    }

    [Fact]
    public void The_wildcard_mirror_is_containerds_default_host_directory()
    {
        var hosts = RegistryHosts.Render(Load("""
            mirrors:
              "*":
                endpoint: ["http://10.0.0.1:5000"]
            """));
        Assert.Equal(["[host.\"http://10.0.0.1:5000\"]", "capabilities = [\"pull\", \"resolve\"]"], Lines(hosts["_default"]));
    }

    [Fact]
    public void Credentials_go_to_the_containerd_config_not_to_hosts_toml()
    {
        var config = Load("""
            configs:
              "10.0.0.1:5000":
                auth:
                  username: alice
                  password: "s3cret \"quoted\""
            """);
        Assert.DoesNotContain("alice", RegistryHosts.Render(config)["10.0.0.1:5000"], StringComparison.Ordinal);
        var options = new ContainerdOptions { DataDir = _dir, RegistryAuths = RegistryHosts.AuthsOf(config) };
        var toml = ContainerdConfig.Render(options, ContainerdPaths.For(options));
        Assert.Contains("""
                  [plugins."io.containerd.grpc.v1.cri".registry.configs."10.0.0.1:5000".auth]
                    username = "alice"
                    password = "s3cret \"quoted\""
            """.ReplaceLineEndings("\n"), toml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoints_must_be_http_or_https_urls()
    {
        var path = Path.Combine(_dir, RegistriesConfig.FileName);
        File.WriteAllText(path, """
            mirrors:
              docker.io:
                endpoint: ["10.0.0.1:5000"]
            """);
        Assert.Null(RegistriesConfig.Load(path, out var error));
        Assert.Contains("\"10.0.0.1:5000\" is not an http:// or https:// URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_yaml_of_this_shape_is_an_error_and_a_missing_file_is_none()
    {
        var path = Path.Combine(_dir, RegistriesConfig.FileName);
        Assert.Null(RegistriesConfig.Load(path, out var none));
        Assert.Null(none);
        File.WriteAllText(path, "mirrors: [1, 2");
        Assert.Null(RegistriesConfig.Load(path, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Rewriting_replaces_our_files_and_keeps_the_users()
    {
        var certs = Path.Combine(_dir, "certs.d");
        await RegistryHosts.WriteAsync(certs, Load("""
            mirrors:
              old.example.com: {endpoint: ["http://10.0.0.1:5000"]}
            """), NullLogger.Instance, CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(certs, "mine.example.com"));
        File.WriteAllText(Path.Combine(certs, "mine.example.com", "hosts.toml"), "server = \"https://mine.example.com\"\n");

        await RegistryHosts.WriteAsync(certs, Load("""
            mirrors:
              new.example.com: {endpoint: ["http://10.0.0.2:5000"]}
            """), NullLogger.Instance, CancellationToken.None);

        Assert.Equal(["mine.example.com", "new.example.com"], Directory.GetDirectories(certs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("http://10.0.0.2:5000", File.ReadAllText(Path.Combine(certs, "new.example.com", "hosts.toml")), StringComparison.Ordinal);
    }
}
