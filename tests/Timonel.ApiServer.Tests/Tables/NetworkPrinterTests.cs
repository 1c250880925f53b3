using static Timonel.ApiServer.Tests.Tables.PrinterAssert;

namespace Timonel.ApiServer.Tests.Tables;

/// <summary>Full rows of services, endpoints, endpoint slices and ingresses. Objects are created 5h before Now.</summary>
public class NetworkPrinterTests
{
    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        {
            "", "Service", """
            {"metadata":{"name":"web","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"type":"ClusterIP","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],
                     "ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}],"selector":{"app":"web","tier":"fe"}}}
            """,
            ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "5h", "app=web,tier=fe"]
        },
        {
            "", "Service", """
            {"metadata":{"name":"np","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"type":"NodePort","clusterIPs":["10.96.0.11"],"ports":[{"port":80,"nodePort":30080,"protocol":"TCP"}]}}
            """,
            ["np", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "5h", "<none>"]
        },
        {
            "", "Service", """
            {"metadata":{"name":"lb","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.12"],"ports":[{"port":443,"nodePort":31443,"protocol":"TCP"}]},
             "status":{"loadBalancer":{}}}
            """,
            ["lb", "LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP", "5h", "<none>"]
        },
        {
            "", "Service", """
            {"metadata":{"name":"lb2","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.13"],"externalIPs":["192.0.2.9"],"ports":[{"port":80,"nodePort":30001,"protocol":"TCP"}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"},{"hostname":"lb.example.com"},{"ip":"203.0.113.5"}]}}}
            """,
            ["lb2", "LoadBalancer", "10.96.0.13", "203.0.113.5,203.0.113.7,lb.example.com,192.0.2.9", "80:30001/TCP", "5h", "<none>"]
        },
        {
            "", "Service", """
            {"metadata":{"name":"ext","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"type":"ExternalName","externalName":"db.example.com"}}
            """,
            ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "5h", "<none>"]
        },
        {
            "", "Service", """
            {"metadata":{"name":"headless","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"type":"ClusterIP","clusterIP":"None","clusterIPs":["None"],"ports":[{"port":5432,"protocol":"TCP"}],"selector":{"app":"db"}}}
            """,
            ["headless", "ClusterIP", "None", "<none>", "5432/TCP", "5h", "app=db"]
        },
        {
            "", "Endpoints", """
            {"metadata":{"name":"web","creationTimestamp":"2026-03-01T07:00:00Z"},
             "subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"10.0.0.3"},{"ip":"10.0.0.4"},{"ip":"10.0.0.5"}],
                         "ports":[{"port":80,"protocol":"TCP"}]}]}
            """,
            ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", "5h"]
        },
        {
            "", "Endpoints", """
            {"metadata":{"name":"two","creationTimestamp":"2026-03-01T07:00:00Z"},
             "subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"name":"http","port":80},{"name":"https","port":443}]}]}
            """,
            ["two", "10.0.0.1:80,10.0.0.1:443", "5h"]
        },
        {
            "", "Endpoints", """{"metadata":{"name":"empty","creationTimestamp":"2026-03-01T07:00:00Z"}}""",
            ["empty", "<none>", "5h"]
        },
        {
            "discovery.k8s.io", "EndpointSlice", """
            {"metadata":{"name":"web-abc","creationTimestamp":"2026-03-01T07:00:00Z"},"addressType":"IPv4",
             "ports":[{"name":"http","port":80,"protocol":"TCP"}],
             "endpoints":[{"addresses":["10.0.0.1"]},{"addresses":["10.0.0.2"]},{"addresses":["10.0.0.3"]},{"addresses":["10.0.0.4"]}]}
            """,
            ["web-abc", "IPv4", "80", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "5h"]
        },
        {
            "discovery.k8s.io", "EndpointSlice", """
            {"metadata":{"name":"none","creationTimestamp":"2026-03-01T07:00:00Z"},"addressType":"IPv4","endpoints":[]}
            """,
            ["none", "IPv4", "<unset>", "<unset>", "5h"]
        },
        {
            "networking.k8s.io", "Ingress", """
            {"metadata":{"name":"site","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"ingressClassName":"nginx","tls":[{"hosts":["a.example.com"]}],
                     "rules":[{"host":"a.example.com"},{"host":"b.example.com"}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}
            """,
            ["site", "nginx", "a.example.com,b.example.com", "192.0.2.1", "80, 443", "5h"]
        },
        {
            "networking.k8s.io", "Ingress", """
            {"metadata":{"name":"catchall","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}
            """,
            ["catchall", "<none>", "*", "", "80", "5h"]
        },
        {
            "networking.k8s.io", "IngressClass", """
            {"metadata":{"name":"nginx","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"controller":"k8s.io/ingress-nginx","parameters":{"apiGroup":"k8s.example.com","kind":"IngressParameters","name":"external-lb"}}}
            """,
            ["nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "5h"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cells_match_kubectl(string group, string kind, string json, string[] expected) =>
        Assert.Equal(expected, Cells(group, kind, Parse(json)));

    [Fact]
    public void Column_names_follow_upstream()
    {
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], ColumnNames("", "Service"));
        Assert.Equal(["Selector"], WideColumnNames("", "Service"));
        Assert.Equal(["Name", "Class", "Hosts", "Address", "Ports", "Age"], ColumnNames("networking.k8s.io", "Ingress"));
    }
}
