using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Commands;

/// <summary>What `up` waits for: the server's /readyz, then every node Ready while its agent lives.</summary>
internal static class UpWait
{
    /// <summary>True once /readyz answers 200 over TLS checked against DIR/server/tls/ca.crt; false at the deadline or once the server process is gone.</summary>
    public static async Task<bool> ServerReadyAsync(string dataDir, string url, Func<bool> serverAlive, TimeSpan timeout, CancellationToken ct)
    {
        var caPath = Path.Combine(dataDir, "server", "tls", "ca.crt");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && serverAlive())
        {
            if (File.Exists(caPath))
            {
                using var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
                using var handler = new SocketsHttpHandler();
                handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
                };
                using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
                try
                {
                    using var response = await client.GetAsync(url + "/readyz", ct);
                    if (response.StatusCode == HttpStatusCode.OK) return true;
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
                {
                    // Not listening yet.
                }
            }
            await Task.Delay(100, ct);
        }
        return false;
    }

    /// <summary>
    /// Polls until every named node is Ready. Returns null then, else what went wrong: the first
    /// node whose agent process is gone (<paramref name="agentAlive"/> false), or the nodes still
    /// not Ready at the deadline.
    /// </summary>
    public static async Task<string?> NodesReadyAsync(string kubeconfig, IReadOnlyList<string> nodeNames, Func<string, bool> agentAlive,
        Action<string> readyNow, TimeSpan timeout, CancellationToken ct)
    {
        using var api = ApiConnection.FromKubeconfig(kubeconfig);
        var deadline = DateTime.UtcNow + timeout;
        var ready = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            try
            {
                var nodes = await api.ListAsync<V1Node>(null, ct: ct);
                foreach (var node in nodes.Value?.Items ?? [])
                {
                    if (nodeNames.Contains(node.Metadata.Name) && node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true
                        && ready.Add(node.Metadata.Name))
                    {
                        readyNow(node.Metadata.Name);
                    }
                }
            }
            catch (HttpRequestException)
            {
                // The server is restarting; try again.
            }
            if (ready.Count == nodeNames.Count)
            {
                return null;
            }
            if (nodeNames.FirstOrDefault(n => !ready.Contains(n) && !agentAlive(n)) is { } dead)
            {
                return $"the agent of node {dead} exited";
            }
            if (DateTime.UtcNow > deadline)
            {
                return $"node(s) {string.Join(", ", nodeNames.Where(n => !ready.Contains(n)))} did not become Ready in {timeout.TotalSeconds:F0} s";
            }
            await Task.Delay(250, ct);
        }
    }
}
