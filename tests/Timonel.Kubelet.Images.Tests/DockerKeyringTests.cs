using System.Text;
using k8s.Models;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Images.Tests;

public sealed class DockerKeyringTests
{
    private static V1Secret ConfigJson(string name, string auths) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Type = "kubernetes.io/dockerconfigjson",
        Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes("{\"auths\": {" + auths + "}}") },
    };

    private static string Auth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    private static IReadOnlyList<string> UsersFor(DockerKeyring keyring, string image) =>
        keyring.Lookup(ImageReference.Parse(image, out _)!).Select(c => c.Username).ToList();

    [Fact]
    public void The_auth_field_is_user_and_password_in_base64()
    {
        var keyring = DockerKeyring.FromSecrets([ConfigJson("s", $$"""
            "registry.example.com": {"auth": "{{Auth("alice", "pa:ss")}}"}
            """)], out var unreadable);
        var credential = Assert.Single(keyring.Lookup(ImageReference.Parse("registry.example.com/team/app:1", out _)!));
        Assert.Equal(("alice", "pa:ss"), (credential.Username, credential.Password));
        Assert.Empty(unreadable);
    }

    [Fact]
    public void Docker_hub_credentials_serve_short_names()
    {
        var keyring = DockerKeyring.FromSecrets([ConfigJson("s", """
            "https://index.docker.io/v1/": {"username": "hub", "password": "p"}
            """)], out _);
        Assert.Equal(["hub"], UsersFor(keyring, "busybox"));
        Assert.Equal(["hub"], UsersFor(keyring, "docker.io/team/app:1"));
        Assert.Empty(UsersFor(keyring, "quay.io/team/app:1"));
    }

    [Fact]
    public void Hosts_match_label_by_label_with_globs()
    {
        var keyring = DockerKeyring.FromSecrets([ConfigJson("s", """
            "*.example.com": {"username": "wild", "password": "p"}
            """)], out _);
        Assert.Equal(["wild"], UsersFor(keyring, "registry.example.com/app"));
        Assert.Empty(UsersFor(keyring, "example.com/app"));
        Assert.Empty(UsersFor(keyring, "a.registry.example.com/app"));
    }

    [Fact]
    public void Ports_must_be_equal()
    {
        var keyring = DockerKeyring.FromSecrets([ConfigJson("s", """
            "registry.example.com:5000": {"username": "with-port", "password": "p"}
            """)], out _);
        Assert.Equal(["with-port"], UsersFor(keyring, "registry.example.com:5000/app"));
        Assert.Empty(UsersFor(keyring, "registry.example.com/app"));
        Assert.Empty(UsersFor(keyring, "registry.example.com:5001/app"));
    }

    [Fact]
    public void A_path_narrows_a_location_and_the_longest_comes_first()
    {
        var keyring = DockerKeyring.FromSecrets([ConfigJson("s", """
            "registry.example.com": {"username": "host", "password": "p"},
            "https://registry.example.com/team": {"username": "team", "password": "p"}
            """)], out _);
        Assert.Equal(["team", "host"], UsersFor(keyring, "registry.example.com/team/app"));
        Assert.Equal(["host"], UsersFor(keyring, "registry.example.com/other/app"));
    }

    [Fact]
    public void Legacy_dockercfg_secrets_are_read_too()
    {
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "old" },
            Type = "kubernetes.io/dockercfg",
            Data = new Dictionary<string, byte[]>
            {
                [".dockercfg"] = Encoding.UTF8.GetBytes("{\"10.0.0.1:5000\": {\"auth\": \"" + Auth("bob", "x") + "\", \"email\": \"b@example.com\"}}"),
            },
        };
        var keyring = DockerKeyring.FromSecrets([secret], out _);
        Assert.Equal(["bob"], UsersFor(keyring, "10.0.0.1:5000/app:1"));
    }

    [Fact]
    public void Credentials_of_several_secrets_are_all_candidates()
    {
        var keyring = DockerKeyring.FromSecrets([
            ConfigJson("a", """ "registry.example.com": {"username": "first", "password": "p"} """),
            ConfigJson("b", """ "registry.example.com": {"username": "second", "password": "p"} """),
        ], out _);
        Assert.Equal(2, UsersFor(keyring, "registry.example.com/app").Count);
    }

    [Fact]
    public void A_secret_that_does_not_parse_adds_nothing_and_is_named()
    {
        var broken = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "broken" },
            Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = "not json"u8.ToArray() },
        };
        var keyring = DockerKeyring.FromSecrets([broken], out var unreadable);
        Assert.Equal(0, keyring.Count);
        Assert.Equal(["broken"], unreadable);
    }
}
