namespace Timonel.Client.Queues;

/// <summary>How long an item waits before its next retry. Implementations are thread-safe.</summary>
public interface IRateLimiter<in TKey>
{
    /// <summary>The delay of the next retry of this key; counts one more failure.</summary>
    TimeSpan When(TKey key);
    /// <summary>The key succeeded: its failure history is cleared.</summary>
    void Forget(TKey key);
    int NumRequeues(TKey key);
}

/// <summary>Per-key exponential backoff: baseDelay * 2^failures, capped at maxDelay.</summary>
public sealed class ExponentialFailureRateLimiter<TKey>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _failures = [];

    public TimeSpan When(TKey key)
    {
        int exponent;
        lock (_failures)
        {
            exponent = _failures.GetValueOrDefault(key);
            _failures[key] = exponent + 1;
        }
        // Past 2^62 the multiplication overflows; the cap is reached long before.
        var ticks = baseDelay.Ticks * Math.Pow(2, Math.Min(exponent, 62));
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void Forget(TKey key)
    {
        lock (_failures)
        {
            _failures.Remove(key);
        }
    }

    public int NumRequeues(TKey key)
    {
        lock (_failures)
        {
            return _failures.GetValueOrDefault(key);
        }
    }
}

/// <summary>
/// An overall token bucket (qps, burst) shared by all keys: each retry takes a token, and when
/// none is left the delay is the time until one is refilled (reservations may go negative).
/// </summary>
public sealed class TokenBucketRateLimiter<TKey>(double qps, int burst, TimeProvider time) : IRateLimiter<TKey>
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    public TimeSpan When(TKey key)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * qps);
            _last = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / qps);
        }
    }

    public void Forget(TKey key)
    {
    }

    public int NumRequeues(TKey key) => 0;
}

/// <summary>The longest delay of several limiters; requeues are counted by the first that counts.</summary>
public sealed class MaxOfRateLimiter<TKey>(params IRateLimiter<TKey>[] limiters) : IRateLimiter<TKey>
{
    public TimeSpan When(TKey key)
    {
        var max = TimeSpan.Zero;
        foreach (var l in limiters)
        {
            var d = l.When(key);
            if (d > max)
            {
                max = d;
            }
        }
        return max;
    }

    public void Forget(TKey key)
    {
        foreach (var l in limiters)
        {
            l.Forget(key);
        }
    }

    public int NumRequeues(TKey key) => limiters.Max(l => l.NumRequeues(key));
}

public static class RateLimiters
{
    /// <summary>The default of controllers: 5 ms doubling to 1000 s per key, and 10 qps / burst 100 overall.</summary>
    public static IRateLimiter<TKey> DefaultController<TKey>(TimeProvider time) where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ExponentialFailureRateLimiter<TKey>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<TKey>(10, 100, time));
}
