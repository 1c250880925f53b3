using System.Diagnostics.CodeAnalysis;
using Grpc.Core;

namespace Timonel.Kubelet.Cri;

/// <summary>Why a CRI call did not do what was asked. Callers branch on this, not on messages.</summary>
public enum CriErrorKind
{
    /// <summary>The runtime does not answer: socket missing, refused or closed (containerd down or restarting).</summary>
    RuntimeUnavailable,
    /// <summary>The call did not finish within its time limit.</summary>
    Timeout,
    /// <summary>The pod sandbox or container named in the call does not exist.</summary>
    NotFound,
    /// <summary>The image is not in the runtime's store, or the registry does not have it.</summary>
    ImageNotFound,
    /// <summary>The image could not be pulled for another reason (registry unreachable, auth, unpack).</summary>
    ImagePullFailed,
    /// <summary>The runtime refused the request as malformed.</summary>
    InvalidArgument,
    /// <summary>Something of that name already exists.</summary>
    AlreadyExists,
    /// <summary>The runtime tried and failed (e.g. runc could not start the container).</summary>
    Failed,
}

/// <summary>A CRI failure: its kind, the gRPC status code and the runtime's own words.</summary>
public sealed record CriError(CriErrorKind Kind, StatusCode Code, string Message)
{
    public override string ToString() => $"{Kind} ({Code}): {Message}";
}

/// <summary>The outcome of a CRI call: a value, or the <see cref="CriError"/> that prevented it.</summary>
public readonly record struct CriResult<T>
{
    private readonly T? _value;

    private CriResult(T? value, CriError? error)
    {
        _value = value;
        Error = error;
    }

    public CriError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>The value; reading it from a failure is a bug.</summary>
    public T Value => Error is null
        ? _value!
        : throw new InvalidOperationException($"CRI call failed, there is no value: {Error}");

    public static CriResult<T> Success(T value) => new(value, null);

    public static CriResult<T> Failure(CriError error) => new(default, error);

    public static implicit operator CriResult<T>(CriError error) => Failure(error);

    /// <summary>For callers (tests, start-up) to whom any failure is fatal.</summary>
    public T GetValueOrThrow() => Error is null ? _value! : throw new CriException(Error);

    public override string ToString() => Error is null ? $"Success({_value})" : $"Failure({Error})";
}

/// <summary>Nothing: the value of CRI calls that return only success or failure.</summary>
public readonly record struct CriUnit;

/// <summary>Thrown only by <see cref="CriResult{T}.GetValueOrThrow"/>, for callers that cannot go on.</summary>
public sealed class CriException(CriError error) : Exception(error.ToString())
{
    public CriError Error { get; } = error;
}
