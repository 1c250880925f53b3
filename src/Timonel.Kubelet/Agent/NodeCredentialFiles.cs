using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using Timonel.Client.Api;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// The node's identity under <c>AGENT/credentials/</c>: <c>ca.crt</c>, <c>client.crt/.key</c>
/// (CN system:node:NAME, O system:nodes) and <c>serving.crt/.key</c> (port 10250, SANs the node's
/// name and addresses). Requested once from the server's <c>/v1-timonel/node-credentials</c> with
/// the join secret and reused on restart while they are in date, name the same node, were
/// signed by the CA the server presents now, and (serving) cover the node's addresses.
/// </summary>
public sealed class NodeCredentialFiles(string directory)
{
    public string CaPath => Path.Combine(directory, "ca.crt");
    public string ClientCertPath => Path.Combine(directory, "client.crt");
    public string ClientKeyPath => Path.Combine(directory, "client.key");
    public string ServingCertPath => Path.Combine(directory, "serving.crt");
    public string ServingKeyPath => Path.Combine(directory, "serving.key");

    /// <summary>Reuses the files when they still fit, else asks the server. Error: why the node has no credential.</summary>
    public async Task<string?> EnsureAsync(ApiConnection joiner, X509Certificate2 ca, string nodeName, IReadOnlyList<string> addresses, CancellationToken ct)
    {
        if (StillValid(ca, nodeName, addresses))
        {
            return null;
        }
        var request = new JsonObject { ["nodeName"] = nodeName, ["addresses"] = new JsonArray([.. addresses.Select(a => (JsonNode)a)]) };
        using var http = new HttpClient(JoinerHandler(joiner.Configuration)) { BaseAddress = joiner.Server, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", joiner.Configuration.AccessToken);
        using var response = await http.PostAsJsonAsync("/v1-timonel/node-credentials", request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            return $"the server refused node credentials for \"{nodeName}\": {(int)response.StatusCode} {text}";
        }
        var body = JsonNode.Parse(text)!;
        Directory.CreateDirectory(directory);
        WritePrivate(ClientKeyPath, body["clientKey"]!.GetValue<string>());
        WritePrivate(ServingKeyPath, body["servingKey"]!.GetValue<string>());
        File.WriteAllText(ClientCertPath, body["clientCert"]!.GetValue<string>());
        File.WriteAllText(ServingCertPath, body["servingCert"]!.GetValue<string>());
        File.WriteAllText(CaPath, body["caCert"]!.GetValue<string>());
        return null;
    }

    /// <summary>A connection to the API as the node (client certificate), trusting the cluster CA.</summary>
    public ApiConnection Connect(Uri server) => new(new KubernetesClientConfiguration
    {
        Host = server.ToString().TrimEnd('/'),
        SslCaCerts = [X509CertificateLoader.LoadCertificateFromFile(CaPath)],
        ClientCertificateFilePath = ClientCertPath,
        ClientKeyFilePath = ClientKeyPath,
    });

    private bool StillValid(X509Certificate2 ca, string nodeName, IReadOnlyList<string> addresses)
    {
        if (!File.Exists(CaPath) || !File.Exists(ClientCertPath) || !File.Exists(ClientKeyPath) || !File.Exists(ServingCertPath) || !File.Exists(ServingKeyPath))
        {
            return false;
        }
        using (var stored = X509CertificateLoader.LoadCertificateFromFile(CaPath))
        {
            if (!stored.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
            {
                return false;
            }
        }
        using var client = X509CertificateLoader.LoadCertificateFromFile(ClientCertPath);
        using var serving = X509CertificateLoader.LoadCertificateFromFile(ServingCertPath);
        var soon = DateTime.Now.AddDays(7);
        return client.NotAfter > soon && serving.NotAfter > soon
            && client.GetNameInfo(X509NameType.SimpleName, false) == "system:node:" + nodeName
            && addresses.Append(nodeName).All(a => serving.MatchesHostname(a, allowWildcards: false, allowCommonName: false));
    }

    private static SocketsHttpHandler JoinerHandler(KubernetesClientConfiguration config)
    {
        var roots = config.SslCaCerts;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            if (cert is null)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
            return chain.Build(leaf);
        };
        return handler;
    }

    private static void WritePrivate(string path, string contents)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
