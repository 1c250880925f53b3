using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Images.Tests;

public sealed class ImageReferenceTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("bitnami/redis:7", "docker.io/bitnami/redis:7")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest")]
    [InlineData("index.docker.io/team/app:v2", "docker.io/team/app:v2")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("localhost:5000/app:1", "localhost:5000/app:1")]
    [InlineData("10.0.0.1:5000/team/app:2.0-rc_1", "10.0.0.1:5000/team/app:2.0-rc_1")]
    [InlineData("registry.example.com/a/b/c", "registry.example.com/a/b/c:latest")]
    [InlineData("quay.io/x/y@" + Digest, "quay.io/x/y@" + Digest)]
    [InlineData("quay.io/x/y:v1@" + Digest, "quay.io/x/y:v1@" + Digest)]
    [InlineData("my_app.name-x__y", "docker.io/library/my_app.name-x__y:latest")]
    public void Normalizes_like_the_runtime(string image, string normalized)
    {
        var parsed = ImageReference.Parse(image, out var error);
        Assert.Null(error);
        Assert.Equal(normalized, parsed!.Normalized);
    }

    [Theory]
    [InlineData("busybox", "busybox:latest")]
    [InlineData("busybox:1", "busybox:1")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest")]
    [InlineData("quay.io/x/y@" + Digest, "quay.io/x/y@" + Digest)]
    public void The_runtime_gets_the_image_as_written_with_latest_when_untagged(string image, string forRuntime)
    {
        var parsed = ImageReference.Parse(image, out _)!;
        Assert.Equal(forRuntime, ImageReference.WithDefaultTag(image, parsed));
    }

    [Theory]
    [InlineData("", "repository name must have at least one component")]
    [InlineData("Busybox", "repository name must be lowercase")]
    [InlineData("registry.example.com/Team/app", "repository name must be lowercase")]
    [InlineData("busybox:", "invalid reference format")]
    [InlineData("busy box", "invalid reference format")]
    [InlineData(":1", "invalid reference format")]
    [InlineData("app:-tag", "invalid reference format")]
    [InlineData("app@sha256:abc", "invalid reference format")]
    [InlineData("-app", "invalid reference format")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "cannot specify 64-byte hexadecimal strings")]
    public void Malformed_references_are_refused_with_a_reason(string image, string reason)
    {
        Assert.Null(ImageReference.Parse(image, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_domain_is_kept_apart_from_the_path()
    {
        var parsed = ImageReference.Parse("10.0.0.1:5000/team/app:2", out _)!;
        Assert.Equal(("10.0.0.1:5000", "team/app", "2"), (parsed.Domain, parsed.Path, parsed.Tag));
        Assert.Equal("10.0.0.1:5000/team/app", parsed.Repository);
    }
}
