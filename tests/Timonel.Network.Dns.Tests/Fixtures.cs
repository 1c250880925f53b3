using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using k8s.Models;
using Timonel.Network.Dns;

namespace Timonel.Network.Dns.Tests;

internal static class Fixtures
{
    public static readonly DomainName ClusterZone = DomainName.Parse("cluster.local");

    public static V1Service Service(string ns, string name, string clusterIp, params (string Name, string Protocol, int Port)[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = clusterIp,
            ClusterIPs = clusterIp == "None" ? ["None"] : clusterIp.Split(','),
            Ports = ports.Select(p => new V1ServicePort { Name = p.Name, Protocol = p.Protocol, Port = p.Port }).ToList(),
        },
    };

    public static V1Service ExternalName(string ns, string name, string target) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = target },
    };

    public static V1EndpointSlice Slice(string ns, string service, string name, (string Name, string Protocol, int Port)[] ports, params (string Ip, string? Hostname, bool? Ready)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { [ClusterDnsSnapshot.ServiceNameLabel] = service },
        },
        AddressType = endpoints.Length > 0 && endpoints[0].Ip.Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4",
        Ports = ports.Select(p => new Discoveryv1EndpointPort { Name = p.Name, Protocol = p.Protocol, Port = p.Port }).ToList(),
        Endpoints = endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Ip],
            Hostname = e.Hostname,
            Conditions = new V1EndpointConditions { Ready = e.Ready },
        }).ToList(),
    };

    public static DnsQuestion Question(string name, RecordType type) => new(DomainName.Parse(name), type, RecordClass.INet);

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 (DNS listens on both with one number).</summary>
    public static int FreeDnsPort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken for UDP: try another.
            }
        }
    }

    /// <summary>A client of one DNS server on loopback, UDP first (TCP when truncated), or TCP only.</summary>
    public static DnsClient ClientOn(int port, bool tcpOnly = false) =>
        new([IPAddress.Loopback], tcpOnly ? [new TcpClientTransport(port)] : [new UdpClientTransport(port), new TcpClientTransport(port)], disposeTransport: true, queryTimeout: 5000);

    public static async Task<DnsMessage> AskAsync(this DnsClient client, string name, RecordType type)
    {
        var response = await client.ResolveAsync(DomainName.Parse(name), type);
        Assert.NotNull(response);
        return response;
    }

    public static string[] Addresses(this DnsMessage message) =>
        message.AnswerRecords.Select(r => r switch
        {
            ARecord a => a.Address.ToString(),
            AaaaRecord a => a.Address.ToString(),
            _ => null,
        }).OfType<string>().Order(StringComparer.Ordinal).ToArray();
}
