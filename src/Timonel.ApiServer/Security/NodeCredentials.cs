using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Rest;

namespace Timonel.ApiServer.Security;

/// <summary>
/// <c>POST /v1-timonel/node-credentials</c> (as k3s's <c>/v1-k3s/client-kubelet.crt</c> and
/// <c>serving-kubelet.crt</c>, in one call): a joining agent, authenticated by the join secret
/// (user <c>system:node-joiner</c>), asks for the identity of one node and gets, as PEM in JSON:
/// the cluster CA, a client certificate CN=<c>system:node:NAME</c> O=<c>system:nodes</c>, and a
/// serving certificate for its port 10250 whose SANs are the node's name and addresses.
/// Request body: <c>{"nodeName": "n1", "addresses": ["10.0.0.2"]}</c>.
/// Invariant: only the join secret's user gets certificates; a node's own certificate cannot
/// mint one for another node. Not checked yet: that a name is claimed by one agent only (k3s
/// keeps a per-node password for that).
/// </summary>
public static class NodeCredentials
{
    public const string Path = "/v1-timonel/node-credentials";
    public const string JoinerUser = "system:node-joiner";

    public static async Task HandleAsync(HttpContext context, UserInfo user, ClusterCertificates certificates)
    {
        if (context.Request.Method != "POST")
        {
            await Responses.WriteErrorAsync(context, new ApiError(405, "MethodNotAllowed", "node credentials are requested with POST"));
            return;
        }
        if (user.Name != JoinerUser)
        {
            await Responses.WriteErrorAsync(context, new ApiError(403, "Forbidden", $"user \"{user.Name}\" cannot request node credentials: only the join token can"));
            return;
        }
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            await Responses.WriteErrorAsync(context, new ApiError(400, "BadRequest", $"the body is not JSON: {e.Message}"));
            return;
        }
        var name = body?["nodeName"]?.GetValue<string>() ?? "";
        var addresses = (body?["addresses"] as JsonArray)?.Select(a => a?.GetValue<string>() ?? "").ToList() ?? [];
        if (!IsNodeName(name))
        {
            await Responses.WriteErrorAsync(context, new ApiError(422, "Invalid", $"nodeName \"{name}\" is not a lowercase RFC 1123 subdomain"));
            return;
        }
        if (addresses.FirstOrDefault(a => !IPAddress.TryParse(a, out _)) is { } bad)
        {
            await Responses.WriteErrorAsync(context, new ApiError(422, "Invalid", $"address \"{bad}\" is not an IP address"));
            return;
        }
        using var client = certificates.IssueClient("system:node:" + name, ["system:nodes"]);
        using var serving = certificates.IssueServing(name, [name, "localhost", "127.0.0.1", .. addresses]);
        await Responses.WriteJsonAsync(context, 200, new JsonObject
        {
            ["caCert"] = certificates.CaPem,
            ["clientCert"] = client.ExportCertificatePem(),
            ["clientKey"] = KeyPem(client),
            ["servingCert"] = serving.ExportCertificatePem(),
            ["servingKey"] = KeyPem(serving),
        });
    }

    private static string KeyPem(X509Certificate2 cert) => cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();

    private static bool IsNodeName(string name) =>
        name.Length is > 0 and <= 253
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
}
