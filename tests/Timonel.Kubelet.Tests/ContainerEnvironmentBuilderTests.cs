using k8s.Models;
using Timonel.Kubelet.Env;

namespace Timonel.Kubelet.Tests;

public sealed class ContainerEnvironmentBuilderTests
{
    private readonly MemoryObjects _objects = new MemoryObjects()
        .With(Make.ConfigMap("app", ("MODE", "prod"), ("LEVEL", "3"), ("1BAD", "x"), ("bad=key", "y")))
        .With(Make.Secret("creds", ("USER", "admin"), ("PASS", "s3cret")));

    private async Task<(Dictionary<string, string> Env, List<string> Names, string? Error, List<string> Warnings)> Build(V1Container c, V1Pod? pod = null)
    {
        var warnings = new List<string>();
        var builder = new ContainerEnvironmentBuilder(_objects, (p, reason, message) => warnings.Add($"{p.Metadata.Name} {reason}: {message}"));
        pod ??= Make.Pod(c);
        var result = await builder.BuildAsync(Make.Context(pod), c, CancellationToken.None);
        return (result.Variables.ToDictionary(kv => kv.Key, kv => kv.Value), result.Variables.Select(kv => kv.Key).ToList(), result.Error, warnings);
    }

    [Fact]
    public async Task EnvFrom_with_prefix_then_env_overrides_in_place()
    {
        var c = Make.Container();
        c.EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "app" }, Prefix = "CFG_" },
                     new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "creds" } }];
        c.Env = [Make.EnvVar("USER", "override"), Make.EnvVar("EXTRA", "$(CFG_MODE)-$(USER)")];
        var (env, names, error, _) = await Build(c);
        Assert.Null(error);
        Assert.Equal("prod", env["CFG_MODE"]);
        Assert.Equal("3", env["CFG_LEVEL"]);
        Assert.Equal("s3cret", env["PASS"]);
        Assert.Equal("override", env["USER"]);
        Assert.Equal("prod-override", env["EXTRA"]);
        // USER keeps the position envFrom gave it; EXTRA comes last.
        Assert.True(names.IndexOf("USER") < names.IndexOf("EXTRA"));
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public async Task EnvFrom_skips_invalid_names_with_a_warning()
    {
        var c = Make.Container();
        c.EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "app" } }];
        var (env, _, error, warnings) = await Build(c);
        Assert.Null(error);
        // Relaxed names (1.34+): a leading digit is fine, '=' never is.
        Assert.Equal("x", env["1BAD"]);
        Assert.False(env.ContainsKey("bad=key"));
        Assert.Equal("web-1 InvalidEnvironmentVariableNames: Keys [bad=key] from the EnvFrom configMap shop/app were skipped since they are considered invalid environment variable names.", Assert.Single(warnings));
    }

    [Fact]
    public async Task Expansion_sees_only_earlier_variables_and_escapes()
    {
        var c = Make.Container();
        c.Env = [Make.EnvVar("FIRST", "$(SECOND)"), Make.EnvVar("SECOND", "two"), Make.EnvVar("THIRD", "$(SECOND)/$$(SECOND)/$(NOPE)"),
                 Make.EnvVar("FROM_REF", valueFrom: new V1EnvVarSource { ConfigMapKeyRef = Make.CmKey("MODE", "app") }),
                 Make.EnvVar("LITERAL_REF", "$(FROM_REF)")];
        var (env, _, _, _) = await Build(c);
        Assert.Equal("$(SECOND)", env["FIRST"]);
        Assert.Equal("two/$(SECOND)/$(NOPE)", env["THIRD"]);
        Assert.Equal("prod", env["LITERAL_REF"]);
    }

    [Theory]
    [InlineData("metadata.name", "web-1")]
    [InlineData("metadata.namespace", "shop")]
    [InlineData("metadata.uid", "0b9e4a3c-1111-2222-3333-444455556666")]
    [InlineData("metadata.labels['app']", "web")]
    [InlineData("metadata.labels['absent']", "")]
    [InlineData("metadata.annotations['note']", "say \"hi\"\n")]
    [InlineData("spec.nodeName", "node-a")]
    [InlineData("spec.serviceAccountName", "builder")]
    [InlineData("status.podIP", "10.42.0.7")]
    [InlineData("status.podIPs", "10.42.0.7")]
    [InlineData("status.hostIP", "192.168.50.2")]
    [InlineData("status.hostIPs", "192.168.50.2")]
    public async Task FieldRef(string path, string expected)
    {
        var c = Make.Container();
        c.Env = [Make.EnvVar("V", valueFrom: new V1EnvVarSource { FieldRef = Make.Field(path) })];
        var (env, _, error, _) = await Build(c);
        Assert.Null(error);
        Assert.Equal(expected, env["V"]);
    }

    [Theory]
    [InlineData("limits.cpu", null, "4")]                // no limit: node allocatable
    [InlineData("limits.memory", "1Mi", "8192")]          // 8Gi allocatable in Mi
    [InlineData("requests.cpu", null, "1")]               // 250m rounds up to 1
    [InlineData("requests.cpu", "1m", "250")]
    [InlineData("requests.memory", "1Mi", "64")]
    [InlineData("requests.memory", null, "67108864")]
    [InlineData("requests.memory", "1G", "1")]            // 64Mi / 1G rounds up
    [InlineData("limits.ephemeral-storage", "1Gi", "100")]
    [InlineData("requests.ephemeral-storage", null, "0")]
    public async Task ResourceFieldRef(string resource, string? divisor, string expected)
    {
        var c = Make.Container();
        c.Resources = new V1ResourceRequirements { Requests = Make.Res(("cpu", "250m"), ("memory", "64Mi")) };
        c.Env = [Make.EnvVar("V", valueFrom: new V1EnvVarSource
        {
            ResourceFieldRef = Make.ResField(resource, divisor: divisor is null ? null : new ResourceQuantity(divisor)),
        })];
        var (env, _, error, _) = await Build(c);
        Assert.Null(error);
        Assert.Equal(expected, env["V"]);
    }

    [Fact]
    public async Task ResourceFieldRef_of_another_container_uses_its_limits()
    {
        var app = Make.Container();
        var side = Make.Container("side");
        side.Resources = new V1ResourceRequirements { Limits = Make.Res(("cpu", "1500m"), ("memory", "100Mi")) };
        app.Env = [Make.EnvVar("SIDE_CPU", valueFrom: new V1EnvVarSource { ResourceFieldRef = Make.ResField("limits.cpu", "side") })];
        var (env, _, _, _) = await Build(app, Make.Pod(app, side));
        Assert.Equal("2", env["SIDE_CPU"]);
    }

    public static TheoryData<V1EnvVarSource, string> Errors => new()
    {
        { new V1EnvVarSource { ConfigMapKeyRef = Make.CmKey("k", "nope") }, "configmap \"nope\" not found" },
        { new V1EnvVarSource { ConfigMapKeyRef = Make.CmKey("k", "app") }, "couldn't find key k in ConfigMap shop/app" },
        { new V1EnvVarSource { SecretKeyRef = Make.SecretKey("k", "nope") }, "secret \"nope\" not found" },
        { new V1EnvVarSource { SecretKeyRef = Make.SecretKey("k", "creds") }, "couldn't find key k in Secret shop/creds" },
        { new V1EnvVarSource { FieldRef = Make.Field("spec.bogus") }, "unsupported fieldPath: spec.bogus" },
        { new V1EnvVarSource { ResourceFieldRef = Make.ResField("limits.cpu", "ghost") }, "container ghost not found" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Missing_sources_are_config_errors(V1EnvVarSource source, string message)
    {
        var c = Make.Container();
        c.Env = [Make.EnvVar("V", valueFrom: source)];
        var (_, _, error, _) = await Build(c);
        Assert.Equal(message, error);
    }

    [Fact]
    public async Task Optional_sources_leave_the_variable_unset()
    {
        var c = Make.Container();
        c.EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "nope", Optional = true } }];
        c.Env =
        [
            Make.EnvVar("A", valueFrom: new V1EnvVarSource { ConfigMapKeyRef = Make.CmKey("k", "nope", optional: true) }),
            Make.EnvVar("B", valueFrom: new V1EnvVarSource { ConfigMapKeyRef = Make.CmKey("k", "app", optional: true) }),
            Make.EnvVar("C", valueFrom: new V1EnvVarSource { SecretKeyRef = Make.SecretKey("k", "nope", optional: true) }),
            Make.EnvVar("D", "set"),
        ];
        var (env, _, error, _) = await Build(c);
        Assert.Null(error);
        Assert.Equal(["D"], env.Keys);
    }

    [Fact]
    public async Task EnvFrom_of_a_missing_configmap_fails()
    {
        var c = Make.Container();
        c.EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "gone" } }];
        var (_, _, error, _) = await Build(c);
        Assert.Equal("secret \"gone\" not found", error);
    }
}
