using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.Jobs;

internal static partial class JobLog
{
    [LoggerMessage(EventId = 6420, Level = LogLevel.Information, Message = "job {Job} finished: {Condition} ({Reason}), succeeded {Succeeded}, failed {Failed}")]
    public static partial void Finished(ILogger logger, string job, string condition, string reason, int succeeded, int failed);
}
