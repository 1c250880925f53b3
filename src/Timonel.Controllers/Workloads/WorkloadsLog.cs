using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.Workloads;

internal static partial class WorkloadsLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Debug, Message = "replicaset {Key}: too few replicas, need {Need}, creating {Count}")]
    public static partial void TooFew(ILogger logger, string key, int need, int count);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "replicaset {Key}: too many replicas, need {Need}, deleting {Count}")]
    public static partial void TooMany(ILogger logger, string key, int need, int count);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "deployment {Key}: scaled {Direction} replica set {ReplicaSet} from {From} to {To}")]
    public static partial void Scaled(ILogger logger, string key, string direction, string replicaSet, int from, int to);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "deployment {Key}: pod template hash collision on {ReplicaSet}, collisionCount now {Count}")]
    public static partial void HashCollision(ILogger logger, string key, string replicaSet, int count);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Information, Message = "deployment {Key}: deleting old replica set {ReplicaSet} (revision history limit)")]
    public static partial void Pruning(ILogger logger, string key, string replicaSet);
}
