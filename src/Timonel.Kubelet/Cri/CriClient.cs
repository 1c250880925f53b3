using Grpc.Core;
using Grpc.Net.Client;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Cri;

/// <summary>Time limits of CRI calls. The runtime's own work (a pull, a stop grace period) is added on top.</summary>
public sealed record CriClientOptions
{
    /// <summary>Any call other than a pull; the kubelet's runtime request timeout is also 2 minutes.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PullTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Typed CRI (runtime.v1) client: RuntimeService and ImageService on one channel. Every call
/// returns a <see cref="CriResult{T}"/>; a gRPC failure becomes a <see cref="CriError"/> value.
/// Only cancellation by the caller's token throws (OperationCanceledException). Thread-safe.
/// </summary>
public sealed partial class CriClient : IDisposable
{
    private readonly GrpcChannel? _ownedChannel;
    private readonly RuntimeService.RuntimeServiceClient _runtime;
    private readonly ImageService.ImageServiceClient _images;
    private readonly CriClientOptions _options;
    private readonly TimeProvider _time;

    public CriClient(CallInvoker invoker, CriClientOptions? options = null, TimeProvider? time = null)
    {
        _runtime = new RuntimeService.RuntimeServiceClient(invoker);
        _images = new ImageService.ImageServiceClient(invoker);
        _options = options ?? new CriClientOptions();
        _time = time ?? TimeProvider.System;
    }

    private CriClient(GrpcChannel channel, CriClientOptions? options, TimeProvider? time)
        : this(channel.CreateCallInvoker(), options, time) => _ownedChannel = channel;

    /// <summary>A client of the runtime at unix socket <paramref name="socketPath"/>; it connects on the first call.</summary>
    public static CriClient ForUnixSocket(string socketPath, CriClientOptions? options = null, TimeProvider? time = null) =>
        new(CriChannel.ForUnixSocket(socketPath), options, time);

    public void Dispose() => _ownedChannel?.Dispose();

    /// <summary>Whether a failure is about an image (NotFound then means the image, not a container).</summary>
    private enum CallSubject
    {
        PodOrContainer,
        Image,
        ImagePull,
    }

    /// <summary>
    /// Runs one unary call under <paramref name="timeout"/> and turns every gRPC failure into a
    /// value. The caller's <paramref name="cancellationToken"/> firing is not a failure: it throws.
    /// </summary>
    private async Task<CriResult<T>> CallAsync<TResponse, T>(
        Func<CallOptions, AsyncUnaryCall<TResponse>> call,
        Func<TResponse, T> map,
        TimeSpan timeout,
        CallSubject subject,
        CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            var response = await call(new CallOptions(cancellationToken: linked.Token)).ConfigureAwait(false);
            return CriResult<T>.Success(map(response));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new CriError(CriErrorKind.Timeout, StatusCode.DeadlineExceeded, $"no answer within {timeout}");
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new CriError(CriErrorKind.Timeout, StatusCode.DeadlineExceeded, $"no answer within {timeout}");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
        catch (RpcException e)
        {
            return Classify(e.StatusCode, e.Status.Detail, subject);
        }
    }

    private static CriError Classify(StatusCode code, string message, CallSubject subject) => code switch
    {
        StatusCode.Unavailable => new(CriErrorKind.RuntimeUnavailable, code, message),
        StatusCode.DeadlineExceeded => new(CriErrorKind.Timeout, code, message),
        StatusCode.InvalidArgument => new(CriErrorKind.InvalidArgument, code, message),
        StatusCode.AlreadyExists => new(CriErrorKind.AlreadyExists, code, message),
        StatusCode.NotFound when subject is CallSubject.PodOrContainer => new(CriErrorKind.NotFound, code, message),
        StatusCode.NotFound => new(CriErrorKind.ImageNotFound, code, message),
        // containerd 1.6 reports a reference the registry does not know as Unknown with the
        // resolver's "...: not found" at the end of its message.
        _ when subject is CallSubject.ImagePull && message.EndsWith("not found", StringComparison.Ordinal) =>
            new(CriErrorKind.ImageNotFound, code, message),
        _ when subject is CallSubject.ImagePull => new(CriErrorKind.ImagePullFailed, code, message),
        _ => new(CriErrorKind.Failed, code, message),
    };

    private static CriUnit ToUnit<TResponse>(TResponse _) => default;
}
