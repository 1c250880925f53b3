using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.Tests.Streaming;

/// <summary>The agent passes on the path after its own /podProxy/NS/POD/UID/SCHEME/PORT prefix exactly as sent.</summary>
public class PodProxyPathTests
{
    [Theory]
    [InlineData("/podProxy/ns/web/uid-1/http/80", "")]
    [InlineData("/podProxy/ns/web/uid-1/http/80/", "/")]
    [InlineData("/podProxy/ns/web/uid-1/http/80/a/b/?q=1", "/a/b/")]
    [InlineData("/podProxy/ns/web/uid-1/https/443/x%2Fy%20z", "/x%2Fy%20z")]
    public void The_path_after_the_target_keeps_its_escaping_and_trailing_slash(string rawTarget, string expected)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        Assert.Equal(expected, PodProxyEndpoint.PathAfterTarget(context));
    }
}
