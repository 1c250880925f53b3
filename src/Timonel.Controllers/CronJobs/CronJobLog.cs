using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.CronJobs;

internal static partial class CronJobLog
{
    [LoggerMessage(EventId = 6430, Level = LogLevel.Information, Message = "cronjob {CronJob}: started job {Job} for {Scheduled:o}")]
    public static partial void Started(ILogger logger, string cronJob, string job, DateTimeOffset scheduled);
}
