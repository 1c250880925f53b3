using Timonel.Api.Scheme;
using Timonel.ApiServer.Proxy;
using Timonel.ApiServer.Routing;

namespace Timonel.ApiServer.Tests.Proxy;

/// <summary>How a pods/proxy or services/proxy request names its target and the path it passes on.</summary>
public class ProxyPathTests
{
    [Theory]
    [InlineData("web", "http", "web", "")]
    [InlineData("web:8080", "http", "web", "8080")]
    [InlineData("web:http-alt", "http", "web", "http-alt")]
    [InlineData("https:web:443", "https", "web", "443")]
    [InlineData("http:web:", "http", "web", "")]
    public void Names_are_scheme_name_and_port(string id, string scheme, string name, string port) =>
        Assert.Equal((scheme, name, port), ProxyTargets.Split(id));

    [Theory]
    [InlineData("ftp:web:21")]
    [InlineData(":80")]
    [InlineData("a:b:c:d")]
    public void Other_schemes_empty_names_and_more_colons_are_refused(string id) => Assert.Null(ProxyTargets.Split(id));

    [Theory]
    [InlineData("/api/v1/namespaces/ns/pods/web/proxy", "/api/v1/namespaces/ns/pods/web/proxy", "")]
    [InlineData("/api/v1/namespaces/ns/pods/web/proxy/", "/api/v1/namespaces/ns/pods/web/proxy", "/")]
    [InlineData("/api/v1/namespaces/ns/pods/web:80/proxy/a/b/", "/api/v1/namespaces/ns/pods/web:80/proxy", "/a/b/")]
    // A path that itself says "proxy" is the pod's, and the client's escaping is kept.
    [InlineData("/api/v1/namespaces/proxy/services/proxy/proxy/proxy/x%2Fy", "/api/v1/namespaces/proxy/services/proxy/proxy", "/proxy/x%2Fy")]
    public void The_path_after_the_proxy_segment_is_passed_on_as_sent(string path, string prefix, string rest)
    {
        var plural = path.Contains("/pods/", StringComparison.Ordinal) ? "pods" : "services";
        var request = new RequestInfo(Verb.Get, ResourceRegistry.Builtin.Find("", "v1", plural)!, "ns", "web", "proxy");
        Assert.Equal((prefix, rest), PodHttpProxy.SplitAtProxy(path, request));
    }
}
