using Timonel.Api.Join;
using Timonel.Client.Api;

namespace Timonel.Kubelet.Join;

/// <summary>
/// How an agent comes to trust a server: it fetches the cluster CA from <c>/cacerts</c>, checks it
/// against the hash its join token carries, and only then talks to the API with that CA and the
/// token's secret. A bare secret (no hash) trusts the CA the server presents on first contact.
/// </summary>
public static class ServerTrust
{
    public static async Task<(ApiConnection? Api, string? Error)> ConnectAsync(Uri server, string token, CancellationToken ct)
    {
        var join = JoinToken.Parse(token);
        string caPem;
        // The CA is not known yet: this one request accepts any certificate, and its answer is
        // trusted only if it matches the token's hash.
        using (var handler = new SocketsHttpHandler())
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            using var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                caPem = await http.GetStringAsync("/cacerts", ct);
            }
            catch (HttpRequestException e)
            {
                return (null, $"cannot reach the server at {server}: {e.Message}");
            }
        }
        if (!join.Trusts(caPem))
        {
            return (null, $"the CA presented by {server} does not match the join token's hash; refusing to trust it");
        }
        return (new ApiConnection(server, caPem, join.Secret), null);
    }
}
