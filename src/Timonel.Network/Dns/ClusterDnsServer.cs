using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Network.Dns;

public sealed record ClusterDnsServerOptions
{
    /// <summary>The resolv.conf whose nameservers get every name outside the cluster zone (the node's /etc/resolv.conf).</summary>
    public string UpstreamResolvConf { get; init; } = "/etc/resolv.conf";

    /// <summary>Port of the upstream nameservers (resolv.conf has no port; 53 outside tests).</summary>
    public int UpstreamPort { get; init; } = 53;

    /// <summary>Wait for one upstream over one transport; a query that gets no answer in time is SERVFAIL.</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>
/// The cluster DNS server on one address and port, over UDP and TCP (ARSoft.Tools.Net does the
/// wire format, truncation of large UDP answers and the listeners). Questions about the cluster
/// zone are answered from the current <see cref="ClusterDnsZone"/>; anything else goes to the
/// nameservers of <see cref="ClusterDnsServerOptions.UpstreamResolvConf"/> (re-read when the file
/// changes), and a query no upstream answers gets SERVFAIL. Never forwards to itself.
/// </summary>
public sealed class ClusterDnsServer : IAsyncDisposable
{
    private readonly Func<ClusterDnsZone> _zone;
    private readonly IPEndPoint _endpoint;
    private readonly ClusterDnsServerOptions _options;
    private readonly ILogger _logger;
    private readonly DnsServer _server;
    private readonly Lock _upstreamLock = new();
    private (DateTime Stamp, IReadOnlyList<IPAddress> Servers) _upstreams = (DateTime.MinValue, []);
    private bool _started;

    public ClusterDnsServer(Func<ClusterDnsZone> zone, IPEndPoint endpoint, ClusterDnsServerOptions? options = null)
    {
        _zone = zone ?? throw new ArgumentNullException(nameof(zone));
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _options = options ?? new ClusterDnsServerOptions();
        _logger = _options.Loggers.CreateLogger("timonel.network.dns");
        var timeout = (int)_options.ForwardTimeout.TotalMilliseconds * 2;
        _server = new DnsServer(new UdpServerTransport(endpoint, timeout), new TcpServerTransport(endpoint, timeout, keepAlive: 10_000));
        _server.QueryReceived += OnQueryReceivedAsync;
        _server.ExceptionThrown += (_, e) =>
        {
            DnsLog.ServerError(_logger, e.Exception.Message);
            return Task.CompletedTask;
        };
    }

    public ClusterDnsServer(ClusterDnsRecords records, IPEndPoint endpoint, ClusterDnsServerOptions? options = null)
        : this(() => records.Current, endpoint, options)
    {
    }

    /// <summary>Binds both sockets (a taken port throws: the caller cannot serve DNS) and starts answering.</summary>
    public void Start()
    {
        _server.Start();
        _started = true;
        DnsLog.Listening(_logger, _endpoint.ToString(), string.Join(",", Upstreams()));
    }

    /// <summary>Starts, serves until <paramref name="ct"/> is cancelled, then stops.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        Start();
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_started)
        {
            _started = false;
            _server.Stop();
        }
        return ValueTask.CompletedTask;
    }

    private async Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is DnsMessage query)
        {
            e.Response = await AnswerAsync(query).ConfigureAwait(false);
        }
    }

    /// <summary>The response to one query (public for tests that skip the sockets).</summary>
    public async Task<DnsMessage> AnswerAsync(DnsMessage query)
    {
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = true;
        if (query.OperationCode != OperationCode.Query)
        {
            response.ReturnCode = ReturnCode.NotImplemented;
            return response;
        }
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }
        var question = query.Questions[0];
        var answer = _zone().Answer(question);
        if (answer.Forward)
        {
            await ForwardAsync(query, question, response).ConfigureAwait(false);
            return response;
        }
        response.IsAuthoritiveAnswer = true;
        response.ReturnCode = answer.Code;
        response.AnswerRecords.AddRange(answer.Answers);
        response.AuthorityRecords.AddRange(answer.Authority);
        response.AdditionalRecords.AddRange(answer.Additional);
        if (answer.ExternalTarget is { } target && query.IsRecursionDesired)
        {
            await FollowExternalNameAsync(query, question, target, response).ConfigureAwait(false);
        }
        return response;
    }

    /// <summary>
    /// An ExternalName's CNAME is followed for the client, as CoreDNS resolves external CNAME
    /// targets through its own chain: the target's records are appended to the answer.
    /// </summary>
    private async Task FollowExternalNameAsync(DnsMessage query, DnsQuestion question, DomainName target, DnsMessage response)
    {
        var chased = new DnsQuestion(target, question.RecordType, question.RecordClass);
        var inZone = _zone().Answer(chased);
        if (!inZone.Forward)
        {
            response.AnswerRecords.AddRange(inZone.Answers);
            return;
        }
        var upstream = await SendUpstreamAsync(query, chased).ConfigureAwait(false);
        if (upstream is not null)
        {
            response.AnswerRecords.AddRange(upstream.AnswerRecords);
        }
    }

    private async Task ForwardAsync(DnsMessage query, DnsQuestion question, DnsMessage response)
    {
        var upstream = await SendUpstreamAsync(query, question).ConfigureAwait(false);
        if (upstream is null)
        {
            response.ReturnCode = ReturnCode.ServerFailure;
            return;
        }
        response.ReturnCode = upstream.ReturnCode;
        response.IsAuthenticData = upstream.IsAuthenticData;
        response.AnswerRecords.AddRange(upstream.AnswerRecords);
        response.AuthorityRecords.AddRange(upstream.AuthorityRecords);
        response.AdditionalRecords.AddRange(upstream.AdditionalRecords.Where(r => r.RecordType != RecordType.Opt));
    }

    /// <summary>One question to the upstreams in order, UDP then TCP when truncated; null when none answers.</summary>
    private async Task<DnsMessage?> SendUpstreamAsync(DnsMessage query, DnsQuestion question)
    {
        var servers = Upstreams();
        if (servers.Count == 0)
        {
            DnsLog.ForwardFailed(_logger, question.Name.ToString(), question.RecordType.ToString(), "no upstream nameserver");
            return null;
        }
        var timeout = (int)_options.ForwardTimeout.TotalMilliseconds;
        using var client = new DnsClient(servers, [new UdpClientTransport(_options.UpstreamPort), new TcpClientTransport(_options.UpstreamPort)], disposeTransport: true, queryTimeout: timeout);
        var message = new DnsMessage
        {
            IsRecursionDesired = query.IsRecursionDesired,
            IsCheckingDisabled = query.IsCheckingDisabled,
            Questions = [question],
        };
        if (query.IsEDnsEnabled)
        {
            message.IsEDnsEnabled = true;
            message.IsDnsSecOk = query.IsDnsSecOk;
        }
        // Bounds the whole exchange (every server, both transports), not one socket operation.
        using var overall = new CancellationTokenSource(_options.ForwardTimeout * (2 * servers.Count + 1));
        try
        {
            var answer = await client.SendMessageAsync(message, overall.Token).ConfigureAwait(false);
            if (answer is null)
            {
                DnsLog.ForwardFailed(_logger, question.Name.ToString(), question.RecordType.ToString(), "no answer from " + string.Join(",", servers));
            }
            return answer;
        }
        catch (OperationCanceledException) when (overall.IsCancellationRequested)
        {
            DnsLog.ForwardFailed(_logger, question.Name.ToString(), question.RecordType.ToString(), "timed out");
            return null;
        }
    }

    /// <summary>The nameservers of the upstream resolv.conf, minus this server itself; re-read when the file changes.</summary>
    private IReadOnlyList<IPAddress> Upstreams()
    {
        var stamp = File.Exists(_options.UpstreamResolvConf) ? File.GetLastWriteTimeUtc(_options.UpstreamResolvConf) : DateTime.MinValue;
        lock (_upstreamLock)
        {
            if (stamp != _upstreams.Stamp || stamp == DateTime.MinValue)
            {
                var servers = ResolvConf.ReadFile(_options.UpstreamResolvConf).ServerAddresses
                    .Where(ip => !(_options.UpstreamPort == _endpoint.Port && (ip.Equals(_endpoint.Address) || IPAddress.Any.Equals(_endpoint.Address))))
                    .ToList();
                _upstreams = (stamp, servers);
            }
            return _upstreams.Servers;
        }
    }
}
