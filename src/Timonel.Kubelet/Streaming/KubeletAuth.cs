using System.Security.Cryptography.X509Certificates;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// Who may use the agent's endpoint: a client certificate chaining to the cluster CA (else 401),
/// whose subject is the API server's kubelet client (CN <c>kube-apiserver-kubelet-client</c>) or
/// in group <c>system:masters</c> (O) (else 403).
/// </summary>
public sealed class KubeletAuth(X509Certificate2 clusterCa)
{
    public const string ApiServerClientName = "kube-apiserver-kubelet-client";
    public const string MastersGroup = "system:masters";

    public enum Outcome { Allowed, Unauthenticated, Forbidden }

    public (Outcome Outcome, string User) Check(X509Certificate2? client)
    {
        if (client is null || !IssuedByCa(client)) return (Outcome.Unauthenticated, "");
        var user = client.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var groups = client.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue());
        return user == ApiServerClientName || groups.Contains(MastersGroup)
            ? (Outcome.Allowed, user)
            : (Outcome.Forbidden, user);
    }

    private bool IssuedByCa(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(cert) && chain.ChainElements[^1].Certificate.Thumbprint == clusterCa.Thumbprint;
    }
}
