using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Timonel.Network.Dns;

/// <summary>
/// What the cluster zone says about one question. <see cref="Forward"/> means the name is not
/// the zone's to answer (outside it, or a reverse name of an address the cluster does not own):
/// the server passes the query upstream, as CoreDNS's default Corefile falls through to `forward`.
/// </summary>
public sealed record ZoneAnswer(ReturnCode Code, IReadOnlyList<DnsRecordBase> Answers, IReadOnlyList<DnsRecordBase> Authority, IReadOnlyList<DnsRecordBase> Additional, bool Forward = false)
{
    public static ZoneAnswer NotOurs { get; } = new(ReturnCode.NoError, [], [], [], Forward: true);

    /// <summary>The out-of-zone target of an ExternalName CNAME that the server may resolve for the client.</summary>
    public DomainName? ExternalTarget { get; init; }
}
