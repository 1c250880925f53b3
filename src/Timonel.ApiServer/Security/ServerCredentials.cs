using Timonel.ApiServer.Hosting;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The server's identity material under <c>DIR/server</c>: TLS files, the admin token and the
/// admin kubeconfig at <c>DIR/kubeconfig</c>. Created on first start, reused afterwards.
/// </summary>
public sealed class ServerCredentials
{
    private ServerCredentials(ClusterCertificates certificates, TokenRegistry tokens, string adminToken, string kubeconfigPath)
    {
        Certificates = certificates;
        Tokens = tokens;
        AdminToken = adminToken;
        KubeconfigPath = kubeconfigPath;
        _kubeletClient = new(() => Proxy.KubeletClientCertificate.Issue(certificates));
    }

    public ClusterCertificates Certificates { get; }
    public TokenRegistry Tokens { get; }

    /// <summary>Issues and checks service account tokens (TokenRequest), signed with the key in <c>tls/service-account.key</c>.</summary>
    public ServiceAccountTokens ServiceAccounts { get; private init; } = null!;
    public string AdminToken { get; }
    public string KubeconfigPath { get; }

    /// <summary>
    /// The server's client certificate towards node agents (their port 10250): CN
    /// kube-apiserver-kubelet-client, O system:masters, signed by the cluster CA. Issued in memory
    /// once per process (agents trust the CA, not one certificate).
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 KubeletClient => _kubeletClient.Value;

    private readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> _kubeletClient;

    /// <summary>The join token agents use (k3s format, with the CA hash); its secret authenticates them.</summary>
    public Api.Join.JoinToken JoinToken { get; private set; } = null!;

    public static ServerCredentials LoadOrCreate(ApiServerOptions options)
    {
        var serverDir = Path.Combine(options.DataDir, "server");
        var sans = new List<string> { "127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", options.ServiceCidr.At(1).ToString() };
        var bind = options.BindAddress.ToString();
        if (bind is not ("0.0.0.0" or "::")) sans.Add(bind);
        sans.AddRange(options.ExtraBindAddresses.Select(a => a.ToString()));
        sans.AddRange(options.ExtraSans);
        var certs = ClusterCertificates.LoadOrCreate(Path.Combine(serverDir, "tls"), sans.Distinct().ToList());
        var adminToken = ReadOrCreateSecret(Path.Combine(serverDir, "admin.token"));
        var tokens = new TokenRegistry();
        tokens.Add(adminToken, new UserInfo("system:admin", UserInfo.AdminGroups));
        var host = bind is "0.0.0.0" or "::" ? "127.0.0.1" : bind;
        var kubeconfigPath = Path.Combine(options.DataDir, "kubeconfig");
        Kubeconfig.Write(kubeconfigPath, $"https://{host}:{options.Port}", certs.CaPem, adminToken);
        var secret = options.JoinSecret is { Length: > 0 } given
            ? Api.Join.JoinToken.Parse(given).Secret
            : ReadOrCreateSecret(Path.Combine(serverDir, "join-secret"));
        var join = Api.Join.JoinToken.Create(certs.CaPem, secret);
        File.WriteAllText(Path.Combine(serverDir, "token"), join + "\n");
        tokens.Add(secret, new UserInfo("system:node-joiner", ["system:nodes", "system:bootstrappers", "system:authenticated"]));
        var serviceAccounts = ServiceAccountTokens.LoadOrCreate(Path.Combine(serverDir, "tls", "service-account.key"), options.Time);
        return new(certs, tokens, adminToken, kubeconfigPath) { JoinToken = join, ServiceAccounts = serviceAccounts };
    }

    /// <summary>
    /// A token for a component inside this process (controller manager, scheduler): random, held
    /// only in memory, valid until the server stops. Components still use the HTTPS API with it.
    /// </summary>
    public string IssueInternalToken(string user, IReadOnlyList<string> groups)
    {
        var token = TokenRegistry.NewToken();
        Tokens.Add(token, new UserInfo(user, groups));
        return token;
    }

    /// <summary>A secret kept in a root-only file: read if present, else generated and written.</summary>
    public static string ReadOrCreateSecret(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length > 0) return existing;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var token = TokenRegistry.NewToken();
        ClusterCertificates.WritePrivate(path, token + "\n");
        return token;
    }
}
