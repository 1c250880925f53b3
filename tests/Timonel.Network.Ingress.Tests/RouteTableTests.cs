using k8s.Models;
using static Timonel.Network.Ingress.Tests.IngressObjects;

namespace Timonel.Network.Ingress.Tests;

/// <summary>The route table built from objects: which backend (and which endpoints) a request gets.</summary>
public sealed class RouteTableTests
{
    private const string Ns = "demo";

    private static string? ServiceOf(IngressRouteTable table, string host, string path) =>
        table.Resolve(host, path).Backend?.ServiceKey;

    [Fact]
    public void Hosts_pick_their_own_backends_case_insensitively()
    {
        var source = new ListSource().WithBackend(Ns, "a", "10.42.0.2").WithBackend(Ns, "b", "10.42.0.3");
        source.IngressList.Add(NewIngress(Ns, "ab", "timonel",
            Rule("a.example.test", Path("/", "Prefix", "a", 80)),
            Rule("b.example.test", Path("/", "Prefix", "b", 80))));
        var table = IngressRouteBuilder.Build(source);

        Assert.Equal("demo/a", ServiceOf(table, "a.example.test", "/"));
        Assert.Equal("demo/b", ServiceOf(table, "B.Example.Test", "/x"));
        Assert.True(table.Resolve("c.example.test", "/").NotFound);
        Assert.Equal(["http://10.42.0.2:8080"], table.Resolve("a.example.test", "/").Backend!.Destinations);
    }

    [Fact]
    public void Wildcard_matches_exactly_one_label_and_an_exact_host_beats_it()
    {
        var source = new ListSource().WithBackend(Ns, "wild", "10.42.0.4").WithBackend(Ns, "exact", "10.42.0.5");
        source.IngressList.Add(NewIngress(Ns, "w", "timonel",
            Rule("*.apps.example.test", Path("/", "Prefix", "wild", 80)),
            Rule("special.apps.example.test", Path("/", "Prefix", "exact", 80))));
        var table = IngressRouteBuilder.Build(source);

        Assert.Equal("demo/wild", ServiceOf(table, "x.apps.example.test", "/"));
        Assert.Equal("demo/exact", ServiceOf(table, "special.apps.example.test", "/"));
        Assert.True(table.Resolve("a.b.apps.example.test", "/").NotFound);
        Assert.True(table.Resolve("apps.example.test", "/").NotFound);
    }

    [Fact]
    public void Prefix_is_element_wise_exact_is_whole_and_the_longest_match_wins()
    {
        var source = new ListSource()
            .WithBackend(Ns, "root", "10.42.0.2").WithBackend(Ns, "foo", "10.42.0.3")
            .WithBackend(Ns, "foobar", "10.42.0.4").WithBackend(Ns, "exact", "10.42.0.5").WithBackend(Ns, "impl", "10.42.0.6");
        source.IngressList.Add(NewIngress(Ns, "paths", "timonel",
            Rule("p.example.test",
                Path("/", "Prefix", "root", 80),
                Path("/foo/", "Prefix", "foo", 80),
                Path("/foo/bar", "Prefix", "foobar", 80),
                Path("/foo", "Exact", "exact", 80),
                Path("/impl", "ImplementationSpecific", "impl", 80))));
        var table = IngressRouteBuilder.Build(source);

        Assert.Equal("demo/exact", ServiceOf(table, "p.example.test", "/foo"));
        Assert.Equal("demo/foo", ServiceOf(table, "p.example.test", "/foo/"));
        Assert.Equal("demo/foo", ServiceOf(table, "p.example.test", "/foo/baz"));
        Assert.Equal("demo/foobar", ServiceOf(table, "p.example.test", "/foo/bar/baz"));
        Assert.Equal("demo/foo", ServiceOf(table, "p.example.test", "/foo/barbaz"));
        Assert.Equal("demo/root", ServiceOf(table, "p.example.test", "/foobar"));
        Assert.Equal("demo/impl", ServiceOf(table, "p.example.test", "/impl/x"));
        Assert.Equal("demo/root", ServiceOf(table, "p.example.test", "/implx"));
    }

    [Fact]
    public void Default_backend_takes_what_no_rule_matches_and_without_one_it_is_404()
    {
        var source = new ListSource().WithBackend(Ns, "api", "10.42.0.2").WithBackend(Ns, "fallback", "10.42.0.3");
        var ingress = NewIngress(Ns, "d", "timonel", Rule("a.example.test", Path("/api", "Prefix", "api", 80)));
        source.IngressList.Add(ingress);
        var without = IngressRouteBuilder.Build(source);
        ingress.Spec.DefaultBackend = Backend("fallback", 80);
        var with = IngressRouteBuilder.Build(source);

        Assert.True(without.Resolve("a.example.test", "/other").NotFound);
        Assert.True(without.Resolve("z.example.test", "/api").NotFound);
        Assert.Equal("demo/api", ServiceOf(with, "a.example.test", "/api/v1"));
        Assert.Equal("demo/fallback", ServiceOf(with, "a.example.test", "/other"));
        Assert.Equal("demo/fallback", ServiceOf(with, "z.example.test", "/"));
    }

    [Fact]
    public void Rules_without_host_serve_every_host_that_has_none_of_its_own()
    {
        var source = new ListSource().WithBackend(Ns, "any", "10.42.0.2").WithBackend(Ns, "a", "10.42.0.3");
        source.IngressList.Add(NewIngress(Ns, "h", "timonel",
            Rule(null, Path("/", "Prefix", "any", 80)),
            Rule("a.example.test", Path("/a", "Prefix", "a", 80))));
        var table = IngressRouteBuilder.Build(source);

        Assert.Equal("demo/any", ServiceOf(table, "whatever.test", "/x"));
        Assert.Equal("demo/a", ServiceOf(table, "a.example.test", "/a"));
        Assert.True(table.Resolve("a.example.test", "/b").NotFound);
    }

    [Fact]
    public void Named_service_port_finds_the_slice_port_of_that_name_and_only_ready_endpoints_count()
    {
        var source = new ListSource();
        source.Services.Add(Service(Ns, "web", ("http", 80), ("admin", 81)));
        source.Slices.Add(Slice(Ns, "web", "http", 8080, ("10.42.0.2", true), ("10.42.0.3", false), ("10.42.0.4", null)));
        source.Slices.Add(Slice(Ns, "web", "admin", 9090, ("10.42.0.2", true)));
        source.IngressList.Add(NewIngress(Ns, "n", "timonel",
            Rule("named.example.test", PathToNamedPort("/", "Prefix", "web", "admin")),
            Rule("number.example.test", Path("/", "Prefix", "web", 80)),
            Rule("missing.example.test", Path("/", "Prefix", "web", 82)),
            Rule("gone.example.test", Path("/", "Prefix", "nosuch", 80))));
        var table = IngressRouteBuilder.Build(source);

        Assert.Equal(["http://10.42.0.2:9090"], table.Resolve("named.example.test", "/").Backend!.Destinations);
        Assert.Equal(["http://10.42.0.2:8080", "http://10.42.0.4:8080"], table.Resolve("number.example.test", "/").Backend!.Destinations);
        Assert.Empty(table.Resolve("missing.example.test", "/").Backend!.Destinations);
        Assert.Empty(table.Resolve("gone.example.test", "/").Backend!.Destinations);
    }

    [Fact]
    public void Only_our_class_is_served_and_classless_ingresses_only_while_ours_is_default()
    {
        var source = new ListSource().WithBackend(Ns, "a", "10.42.0.2");
        source.IngressList.Add(NewIngress(Ns, "mine", "timonel", Rule("mine.example.test", Path("/", "Prefix", "a", 80))));
        source.IngressList.Add(NewIngress(Ns, "other", "nginx", Rule("other.example.test", Path("/", "Prefix", "a", 80))));
        source.IngressList.Add(NewIngress(Ns, "none", null, Rule("none.example.test", Path("/", "Prefix", "a", 80))));
        var asDefault = IngressRouteBuilder.Build(source);
        source.Classes[0] = TimonelClass(isDefault: false);
        var notDefault = IngressRouteBuilder.Build(source);

        Assert.False(asDefault.Resolve("mine.example.test", "/").NotFound);
        Assert.True(asDefault.Resolve("other.example.test", "/").NotFound);
        Assert.False(asDefault.Resolve("none.example.test", "/").NotFound);
        Assert.True(notDefault.Resolve("none.example.test", "/").NotFound);
        Assert.Equal(2, asDefault.IngressCount);
    }

    [Fact]
    public void On_the_same_path_the_older_ingress_wins()
    {
        var source = new ListSource().WithBackend(Ns, "old", "10.42.0.2").WithBackend(Ns, "new", "10.42.0.3");
        var newer = NewIngress(Ns, "a-newer", "timonel", Rule("s.example.test", Path("/", "Prefix", "new", 80)));
        newer.Metadata.CreationTimestamp = new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc);
        var older = NewIngress(Ns, "z-older", "timonel", Rule("s.example.test", Path("/", "Prefix", "old", 80)));
        older.Metadata.CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        source.IngressList.AddRange([newer, older]);

        Assert.Equal("demo/old", ServiceOf(IngressRouteBuilder.Build(source), "s.example.test", "/"));
    }

    [Fact]
    public void Round_robin_starts_each_request_on_the_next_endpoint()
    {
        var pool = new IngressBackendPool("demo/web", "80", ["http://10.42.0.2:80", "http://10.42.0.3:80", "http://10.42.0.4:80"]);

        var starts = Enumerable.Range(0, 6).Select(_ => pool.NextStart()).ToList();

        Assert.Equal([0, 1, 2, 0, 1, 2], starts);
    }
}
