using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class PodHostsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hosts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static V1Pod Pod(string name = "web-0") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop", Uid = "u1" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] },
    };

    [Fact]
    public void Pod_ip_line_names_the_hostname_and_with_a_subdomain_the_fqdn_first_then_host_aliases()
    {
        var pod = Pod();
        var plain = PodHostsFile.Content(pod, "10.42.0.7", "cluster.local").Split('\n');
        Assert.Equal("127.0.0.1\tlocalhost", plain[1]);
        Assert.Contains("10.42.0.7\tweb-0", plain);

        pod.Spec.Hostname = "db";
        pod.Spec.Subdomain = "backend";
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "192.0.2.1", Hostnames = ["foo.local", "bar.local"] }];
        var lines = PodHostsFile.Content(pod, "10.42.0.7", "example.org").Split('\n');
        Assert.Contains("10.42.0.7\tdb.backend.shop.svc.example.org\tdb", lines);
        var aliases = Array.IndexOf(lines, "# Entries added by HostAliases.");
        Assert.True(aliases > 0);
        Assert.Equal("192.0.2.1\tfoo.local\tbar.local", lines[aliases + 1]);
    }

    [Fact]
    public void HostNetwork_pods_and_pods_without_ip_get_no_file_and_a_change_rewrites_the_same_inode()
    {
        var pod = Pod();
        Assert.Null(PodHostsFile.Ensure(_dir, pod, null, "cluster.local"));
        pod.Spec.HostNetwork = true;
        Assert.Null(PodHostsFile.Ensure(_dir, pod, "10.0.0.1", "cluster.local"));
        Assert.False(File.Exists(PodHostsFile.PathOf(_dir)));

        pod.Spec.HostNetwork = false;
        var path = PodHostsFile.Ensure(_dir, pod, "10.42.0.7", "cluster.local")!;
        using (var held = File.OpenRead(path))
        {
            PodHostsFile.Ensure(_dir, pod, "10.42.0.9", "cluster.local");
            // A reader holding the old file (as a bind mount holds the inode) sees the new content.
            using var reader = new StreamReader(held);
            Assert.Contains("10.42.0.9\tweb-0", reader.ReadToEnd(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_container_that_mounts_etc_hosts_itself_keeps_it()
    {
        Assert.True(PodHostsFile.MountedByContainer(new V1Container { Name = "c", VolumeMounts = [new V1VolumeMount { Name = "v", MountPath = "/etc/hosts" }] }));
        Assert.False(PodHostsFile.MountedByContainer(new V1Container { Name = "c", VolumeMounts = [new V1VolumeMount { Name = "v", MountPath = "/etc" + "/hostsx" }] }));
    }
}
