using Timonel.Kubelet.Env;

namespace Timonel.Kubelet.Tests;

public sealed class EnvExpansionTests
{
    private static readonly Dictionary<string, string> Vars = new() { ["A"] = "alpha", ["B"] = "beta", ["EMPTY"] = "" };

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("$(A)", "alpha")]
    [InlineData("x-$(A)-$(B)-y", "x-alpha-beta-y")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$(EMPTY)|", "|")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$$(A)", "$alpha")]
    [InlineData("$$", "$")]
    [InlineData("cost $5", "cost $5")]
    [InlineData("trailing $", "trailing $")]
    [InlineData("$(A", "$(A")]
    [InlineData("$(A$(B)", "$(A$(B)")]
    [InlineData("$()", "$()")]
    [InlineData("$(A)$(A)", "alphaalpha")]
    public void Expands_as_the_kubelet(string input, string expected) =>
        Assert.Equal(expected, EnvExpansion.Expand(input, Vars));
}
