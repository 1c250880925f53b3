using Grpc.Core;

namespace Timonel.Storage.Etcd;

/// <summary>How etcd's gRPC failures become Timonel's storage exceptions.</summary>
internal static class EtcdErrors
{
    // etcd reports both with codes.OutOfRange and tells them apart only by message (rpctypes).
    private const string CompactedMessage = "required revision has been compacted";
    private const string FutureMessage = "required revision is a future revision";

    public static bool IsCompacted(RpcException e) =>
        e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains(CompactedMessage, StringComparison.Ordinal);

    public static bool IsFutureRevision(RpcException e) =>
        e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains(FutureMessage, StringComparison.Ordinal);

    /// <summary>
    /// True for failures of the connection or the cluster (no leader, timeouts), after which nothing
    /// is known to have been acknowledged. A cancellation the caller asked for is not one of them.
    /// </summary>
    public static bool IsUnavailable(RpcException e, CancellationToken callerToken) =>
        e.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
                or StatusCode.Unknown or StatusCode.ResourceExhausted or StatusCode.Aborted => true,
            StatusCode.Cancelled => !callerToken.IsCancellationRequested,
            _ => false,
        };

    public static StorageUnavailableException Unavailable(RpcException e) =>
        new($"etcd is unavailable: {e.Status.StatusCode} {e.Status.Detail}", e);
}
