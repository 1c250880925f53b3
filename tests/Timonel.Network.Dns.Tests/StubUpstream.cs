using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Timonel.Network.Dns.Tests;

/// <summary>
/// A stand-in for the node's resolver on 127.0.0.1 (never anything off this machine): it knows
/// a few names under example.test, says NXDOMAIN to the rest, and remembers every question.
/// </summary>
internal sealed class StubUpstream : IAsyncDisposable
{
    public static readonly IReadOnlyDictionary<string, string> Known = new Dictionary<string, string>
    {
        ["www.example.test."] = "192.0.2.80",
        ["search.example.test."] = "192.0.2.81",
        ["9.9.9.9.in-addr.arpa."] = "host.example.test",
    };

    private readonly DnsServer _server;

    private StubUpstream(int port, string resolvConf)
    {
        Port = port;
        ResolvConfPath = resolvConf;
        _server = new DnsServer(new UdpServerTransport(new IPEndPoint(IPAddress.Loopback, port)), new TcpServerTransport(new IPEndPoint(IPAddress.Loopback, port)));
        _server.QueryReceived += (_, e) =>
        {
            var query = (DnsMessage)e.Query;
            var question = query.Questions[0];
            var name = question.Name.ToString().ToLowerInvariant();
            Asked.Enqueue(name);
            var response = query.CreateResponseInstance();
            response.IsRecursionAllowed = true;
            if (!Known.TryGetValue(name, out var value))
            {
                response.ReturnCode = ReturnCode.NxDomain;
            }
            else if (question.RecordType == RecordType.A && IPAddress.TryParse(value, out var address))
            {
                response.AnswerRecords.Add(new ARecord(question.Name, 60, address));
            }
            else if (question.RecordType == RecordType.Ptr && !IPAddress.TryParse(value, out IPAddress? _))
            {
                response.AnswerRecords.Add(new PtrRecord(question.Name, 60, DomainName.Parse(value)));
            }
            e.Response = response;
            return Task.CompletedTask;
        };
    }

    public int Port { get; }

    /// <summary>A resolv.conf naming this stub (with the port given to the server separately).</summary>
    public string ResolvConfPath { get; }

    public ConcurrentQueue<string> Asked { get; } = new();

    public static StubUpstream Start()
    {
        var path = Path.Combine(Path.GetTempPath(), $"timonel-dns-stub-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "nameserver 127.0.0.1\nsearch example.test\n");
        var stub = new StubUpstream(Fixtures.FreeDnsPort(), path);
        stub._server.Start();
        return stub;
    }

    public ValueTask DisposeAsync()
    {
        _server.Stop();
        File.Delete(ResolvConfPath);
        return ValueTask.CompletedTask;
    }
}
