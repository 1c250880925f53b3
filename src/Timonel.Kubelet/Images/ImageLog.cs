using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Images;

internal static partial class ImageLog
{
    [LoggerMessage(1, LogLevel.Information, "pulled {Image} for pod {Namespace}/{Pod} in {Elapsed}: {ImageRef}")]
    public static partial void Pulled(ILogger logger, string image, string @namespace, string pod, TimeSpan elapsed, string imageRef);

    [LoggerMessage(2, LogLevel.Warning, "pull of {Image} for pod {Namespace}/{Pod} failed, next attempt after {Delay}: {Message}")]
    public static partial void PullFailed(ILogger logger, string image, string @namespace, string pod, TimeSpan delay, string message);

    [LoggerMessage(3, LogLevel.Warning, "image status of {Image} failed: {Message}")]
    public static partial void InspectFailed(ILogger logger, string image, string message);

    [LoggerMessage(4, LogLevel.Information, "imported image archive {Archive}")]
    public static partial void Imported(ILogger logger, string archive);

    [LoggerMessage(5, LogLevel.Error, "import of image archive {Archive} failed")]
    public static partial void ImportFailed(ILogger logger, string archive, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "wrote registry hosts for {Hosts} under {ConfigPath}")]
    public static partial void RegistryHostsWritten(ILogger logger, string hosts, string configPath);
}
