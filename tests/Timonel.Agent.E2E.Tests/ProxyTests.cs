using System.Net;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// pods/proxy and services/proxy through the real agent: the API server hands the request to the
/// agent of the pod's node, which reaches the pod on the pod network. The http image answers every
/// path with the pod's name (its CGI script too, for any method).
/// </summary>
public sealed partial class LogsAndExecTests
{
    [Fact]
    public async Task Pods_and_services_proxy_reach_the_pods_http_server_by_name_and_port()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(HttpPod("proxied", "app: proxied", declarePort: true) + """

            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: proxied
            spec:
              selector: {app: proxied}
              ports: [{name: web, port: 8000, targetPort: 80}]
            """, "apply", "-f", "-");
        try
        {
            await node.KubectlAsync("wait", "--for=condition=Ready", "pod/proxied", "--timeout=120s");
            const string Pod = "/api/v1/namespaces/default/pods/proxied";
            const string Service = "/api/v1/namespaces/default/services/proxied";

            // The pod's first container port, then the port given; a path and query pass through.
            Assert.Equal("proxied\n", await node.KubectlAsync("get", "--raw", Pod + "/proxy/"));
            Assert.Equal("proxied\n", await node.KubectlAsync("get", "--raw", Pod + ":80/proxy/cgi-bin/name?x=1"));
            // The service by its port's name and by its number (with a scheme), once its endpoint is ready.
            var last = "";
            await Shell.UntilAsync(async () => (last = await RawAsync(Service + ":web/proxy/")) == "proxied\n" ? last : null,
                "the service proxy to answer", 30, () => last);
            Assert.Equal("proxied\n", await node.KubectlAsync("get", "--raw", "/api/v1/namespaces/default/services/http:proxied:8000/proxy/"));

            using var client = node.Server.AdminClient();
            // Other methods too: a POST reaches the pod's CGI script.
            using var post = await client.PostAsync(Service + ":8000/proxy/cgi-bin/name", new StringContent("hello"));
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
            Assert.Equal("proxied\n", await post.Content.ReadAsStringAsync());

            // A bare .../proxy is redirected to .../proxy/, which kubectl follows.
            Assert.Equal("proxied\n", await node.KubectlAsync("get", "--raw", Pod + "/proxy"));
        }
        finally
        {
            await node.KubectlAsync("delete", "service/proxied", "pod/proxied", "--wait=false");
        }
    }

    [Fact]
    public async Task Proxy_errors_are_statuses_naming_what_is_wrong()
    {
        await node.WaitReadyAsync();
        await node.KubectlInAsync(HttpPod("proxy-closed") + """

            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: proxy-empty
            spec:
              selector: {app: nothing-has-this}
              ports: [{port: 8000}]
            """, "apply", "-f", "-");
        try
        {
            await node.KubectlAsync("wait", "--for=condition=Ready", "pod/proxy-closed", "--timeout=120s");
            var closed = await RawErrorAsync("/api/v1/namespaces/default/pods/proxy-closed:81/proxy/");
            Assert.Contains("Error from server (ServiceUnavailable): error trying to reach service: dial tcp ", closed, StringComparison.Ordinal);
            Assert.Contains(":81: connect: connection refused", closed, StringComparison.Ordinal);

            Assert.Contains("Error from server (ServiceUnavailable): no service port 9 found for service \"proxy-empty\"",
                await RawErrorAsync("/api/v1/namespaces/default/services/proxy-empty:9/proxy/"), StringComparison.Ordinal);
            Assert.Contains("Error from server (ServiceUnavailable): no endpoints available for service \"proxy-empty\"",
                await RawErrorAsync("/api/v1/namespaces/default/services/proxy-empty/proxy/"), StringComparison.Ordinal);
            Assert.Contains("Error from server (NotFound): pods \"missing\" not found",
                await RawErrorAsync("/api/v1/namespaces/default/pods/missing/proxy/"), StringComparison.Ordinal);
            Assert.Contains("Error from server (BadRequest): invalid pod request \"ftp:proxy-closed:21\"",
                await RawErrorAsync("/api/v1/namespaces/default/pods/ftp:proxy-closed:21/proxy/"), StringComparison.Ordinal);
        }
        finally
        {
            await node.KubectlAsync("delete", "service/proxy-empty", "pod/proxy-closed", "--wait=false");
        }
    }

    private async Task<string> RawAsync(string path)
    {
        var (code, stdout, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "--raw", path], Env);
        return code == 0 ? stdout : stderr;
    }

    private async Task<string> RawErrorAsync(string path)
    {
        var (code, stdout, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "--raw", path], Env);
        Assert.True(code != 0, $"kubectl get --raw {path} succeeded: {stdout}");
        return stderr;
    }

    private Dictionary<string, string> Env => new() { ["KUBECONFIG"] = node.Server.Kubeconfig };
}
