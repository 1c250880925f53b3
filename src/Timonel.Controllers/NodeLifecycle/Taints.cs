using k8s.Models;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>The taints the node lifecycle controller owns, and upstream's toleration matching.</summary>
public static class Taints
{
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string NoSchedule = "NoSchedule";
    public const string NoExecute = "NoExecute";

    /// <summary>The taint key a Ready condition status calls for: none when Ready is True.</summary>
    /// <summary>
    /// The taint a Ready status calls for. A node that has not posted a Ready condition yet gets
    /// none (as upstream): it is marked Unknown, and so tainted, only after its startup grace period.
    /// </summary>
    public static string? KeyFor(string? readyStatus) => readyStatus switch
    {
        null or "True" => null,
        "False" => NotReady,
        _ => Unreachable,
    };

    public static bool IsOwned(V1Taint t) => t.Key is Unreachable or NotReady;

    /// <summary>Whether the toleration tolerates the taint (effect, key, operator and value as upstream).</summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }
        if (string.IsNullOrEmpty(toleration.Key))
        {
            // An empty key with operator Exists matches every taint.
            return toleration.OperatorProperty == "Exists";
        }
        if (toleration.Key != taint.Key)
        {
            return false;
        }
        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }
}

/// <summary>A token bucket on a <see cref="TimeProvider"/>: rate per second, a burst of whole tokens.</summary>
public sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _qps;
    private readonly double _burst;
    private double _tokens;
    private DateTimeOffset _last;

    public TokenBucket(double qps, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _qps = qps;
        _burst = burst;
        _tokens = burst;
        _time = time;
        _last = time.GetUtcNow();
    }

    /// <summary>Takes a token if one is there; otherwise says how long until one is.</summary>
    public bool TryTake(out TimeSpan wait)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _tokens = Math.Min(_burst, _tokens + (now - _last).TotalSeconds * _qps);
            _last = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                wait = TimeSpan.Zero;
                return true;
            }
            wait = TimeSpan.FromSeconds((1 - _tokens) / _qps);
            return false;
        }
    }
}
