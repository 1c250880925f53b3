using Microsoft.Extensions.Logging;

namespace Timonel.Network.Overlay;

internal static partial class OverlayLog
{
    [LoggerMessage(1, LogLevel.Information, "Overlay on node {Node}: {Device} (VNI {Vni}, UDP {Port}) from {NodeIp}, VTEP {VtepIp} {VtepMac}, pods {PodCidr}")]
    public static partial void Started(ILogger logger, string node, string device, int vni, int port, string nodeIp, string vtepIp, string vtepMac, string podCidr);

    [LoggerMessage(2, LogLevel.Information, "Overlay peers {Peers}: {Plan}")]
    public static partial void Applying(ILogger logger, int peers, string plan);

    [LoggerMessage(3, LogLevel.Warning, "Overlay node setup failed, retrying: {Error}")]
    public static partial void SetUpFailed(ILogger logger, string error);

    [LoggerMessage(4, LogLevel.Warning, "Overlay sync failed, retrying: {Error}")]
    public static partial void SyncFailed(ILogger logger, string error);

    [LoggerMessage(5, LogLevel.Warning, "Publishing the VTEP on Node {Node} failed, retrying: {Error}")]
    public static partial void PublishFailed(ILogger logger, string node, string error);

    [LoggerMessage(6, LogLevel.Information, "Published VTEP {VtepMac} at {PublicIp} on Node {Node}")]
    public static partial void Published(ILogger logger, string node, string vtepMac, string publicIp);
}
