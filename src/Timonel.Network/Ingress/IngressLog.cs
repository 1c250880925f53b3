using Microsoft.Extensions.Logging;

namespace Timonel.Network.Ingress;

internal static partial class IngressLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ingress listening on {Address} (http {HttpPort}, https {HttpsPort})")]
    public static partial void Listening(ILogger logger, string address, int httpPort, int httpsPort);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "ingress routes rebuilt: {Ingresses} ingresses, {CertificateHosts} hosts with certificates, {Milliseconds} ms")]
    public static partial void Rebuilt(ILogger logger, int ingresses, int certificateHosts, long milliseconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "ingress TLS: {Problem}")]
    public static partial void TlsProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "ingress: connection to {Destination} for {Backend} failed, trying another endpoint: {Reason}")]
    public static partial void Retrying(ILogger logger, string destination, string backend, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "ingress: forwarding to {Destination} for {Backend} failed: {Error} {Reason}")]
    public static partial void ForwardFailed(ILogger logger, string destination, string backend, string error, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "ingress cannot listen on {Address} (http {HttpPort}, https {HttpsPort}), retrying: {Reason}")]
    public static partial void BindFailed(ILogger logger, string address, int httpPort, int httpsPort, string reason);
}
