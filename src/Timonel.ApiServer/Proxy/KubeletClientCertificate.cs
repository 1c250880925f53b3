using System.Security.Cryptography.X509Certificates;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// The API server's identity towards node agents (their port 10250): a client certificate
/// CN <c>kube-apiserver-kubelet-client</c>, O <c>system:masters</c>, signed by the cluster CA.
/// Issued in memory at start (agents trust the CA, not a particular certificate), so nothing
/// about it is kept on disk.
/// </summary>
public static class KubeletClientCertificate
{
    public const string User = "kube-apiserver-kubelet-client";
    public const string Group = "system:masters";

    public static X509Certificate2 Issue(ClusterCertificates certificates)
    {
        using var issued = certificates.IssueClient(User, [Group]);
        // Through PKCS#12 so SslStream can present the ephemeral key on every platform.
        return X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
    }
}
