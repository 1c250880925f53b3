using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// The node's identity: the certificate the agent got at join makes kubectl
/// `system:node:NAME` in group `system:nodes`, and only the join token can ask for one.
/// </summary>
public sealed class NodeCredentialTests(AgentNode node) : IClassFixture<AgentNode>
{
    [Fact]
    public async Task The_agents_client_certificate_authenticates_as_its_node()
    {
        await node.WaitReadyAsync();
        var credentials = Path.Combine(node.AgentDir, "credentials");
        var kubeconfig = Path.Combine(node.DataDir, "node.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {"{"}server: "{node.Server.Url}", certificate-authority: "{Path.Combine(credentials, "ca.crt")}"{"}"}
            users:
            - name: node-user
              user: {"{"}client-certificate: "{Path.Combine(credentials, "client.crt")}", client-key: "{Path.Combine(credentials, "client.key")}"{"}"}
            contexts:
            - name: c
              context: {"{"}cluster: c, user: node-user{"}"}
            current-context: c
            """);
        var (code, stdout, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, ["auth", "whoami", "-o", "json"], new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig });
        Assert.True(code == 0, stderr);
        var user = JsonNode.Parse(stdout)!["status"]!["userInfo"]!;
        Assert.Equal("system:node:" + node.NodeName, user["username"]!.GetValue<string>());
        Assert.Contains("system:nodes", user["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
    }

    [Fact]
    public async Task Only_the_join_token_gets_node_credentials()
    {
        var token = File.ReadAllText(Path.Combine(node.Server.DataDir, "server", "token")).Trim();
        var secret = token[(token.IndexOf("::server:", StringComparison.Ordinal) + "::server:".Length)..];
        var body = new { nodeName = "other-node", addresses = new[] { "10.1.2.3" } };

        using var admin = node.Server.AdminClient();
        using var refused = await admin.PostAsJsonAsync("/v1-timonel/node-credentials", body);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var joiner = node.Server.AdminClient(withToken: false);
        joiner.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        using var invalid = await joiner.PostAsJsonAsync("/v1-timonel/node-credentials", new { nodeName = "Not_A_Name", addresses = Array.Empty<string>() });
        Assert.Equal((HttpStatusCode)422, invalid.StatusCode);
        using var granted = await joiner.PostAsJsonAsync("/v1-timonel/node-credentials", body);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var answer = JsonNode.Parse(await granted.Content.ReadAsStringAsync())!;
        using var serving = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(answer["servingCert"]!.GetValue<string>());
        Assert.True(serving.MatchesHostname("10.1.2.3"));
        Assert.True(serving.MatchesHostname("other-node"));
    }
}
