using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>Writes the admin kubeconfig: one cluster (server + CA), one user (bearer token), one context.</summary>
public static class Kubeconfig
{
    public static string Render(string server, string caPem, string token) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: timonel
          cluster:
            server: {server}
            certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem))}
        users:
        - name: timonel-admin
          user:
            token: {token}
        contexts:
        - name: timonel
          context:
            cluster: timonel
            user: timonel-admin
        current-context: timonel
        preferences: {"{}"}

        """;

    public static void Write(string path, string server, string caPem, string token)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ClusterCertificates.WritePrivate(path + ".tmp", Render(server, caPem, token));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
