using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.DaemonSets;

internal static partial class DaemonSetLog
{
    [LoggerMessage(EventId = 6410, Level = LogLevel.Information, Message = "daemonset {DaemonSet} (revision {Hash}): creating {Created} pods, deleting {Deleted}")]
    public static partial void Changing(ILogger logger, string daemonSet, string hash, int created, int deleted);
}
