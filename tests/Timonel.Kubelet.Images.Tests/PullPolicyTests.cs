using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Images.Tests;

public sealed class PullPolicyTests
{
    [Theory]
    [InlineData("busybox", "Always")]
    [InlineData("busybox:latest", "Always")]
    [InlineData("registry.example.com:5000/app", "Always")]
    [InlineData("busybox:1.36", "IfNotPresent")]
    [InlineData("registry.example.com:5000/app:v1", "IfNotPresent")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    public void Without_a_declared_policy_the_tag_decides(string image, string policy)
    {
        Assert.Equal(policy, PullPolicy.Effective(null, ImageReference.Parse(image, out _)!));
    }

    [Fact]
    public void A_declared_policy_wins_over_the_tag()
    {
        Assert.Equal("Never", PullPolicy.Effective("Never", ImageReference.Parse("busybox:latest", out _)!));
        Assert.Equal("Always", PullPolicy.Effective("Always", ImageReference.Parse("busybox:1", out _)!));
    }

    [Theory]
    [InlineData("Always", true, PullDecision.Pull)]
    [InlineData("Always", false, PullDecision.Pull)]
    [InlineData("IfNotPresent", true, PullDecision.UsePresent)]
    [InlineData("IfNotPresent", false, PullDecision.Pull)]
    [InlineData("Never", true, PullDecision.UsePresent)]
    [InlineData("Never", false, PullDecision.NeverPull)]
    public void Policy_and_presence_decide(string policy, bool present, PullDecision decision)
    {
        Assert.Equal(decision, PullPolicy.Decide(policy, present));
    }
}
