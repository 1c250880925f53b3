namespace Timonel.Controllers.LoadBalancer;

/// <summary>
/// Which Service ("namespace/name") holds which address of the pool. Invariant: an address has at
/// most one holder and a Service holds at most one address (the two maps mirror each other).
/// Lives in memory only; the controller rebuilds it from Service statuses when it starts.
/// Thread-safe: the controller's workers sync different Services at once.
/// </summary>
public sealed class PoolAllocations(AddressPool pool)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _byAddress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byService = new(StringComparer.Ordinal);

    public AddressPool Pool => pool;

    public string? AddressOf(string service)
    {
        lock (_lock)
        {
            return _byService.GetValueOrDefault(service);
        }
    }

    /// <summary>
    /// Gives this address of the pool to the Service (releasing the one it held before). Fails with
    /// the holder's key when another Service has it, with null when it is not in the pool.
    /// </summary>
    public (bool Taken, string? Holder) TryTake(string service, string address)
    {
        if (!pool.Contains(address))
        {
            return (false, null);
        }
        lock (_lock)
        {
            if (_byAddress.TryGetValue(address, out var holder) && holder != service)
            {
                return (false, holder);
            }
            ReleaseLocked(service);
            _byAddress[address] = service;
            _byService[service] = address;
            return (true, null);
        }
    }

    /// <summary>The first free address in pool order, now held by the Service; null when none is free.</summary>
    public string? TakeNextFree(string service)
    {
        lock (_lock)
        {
            if (_byService.TryGetValue(service, out var held))
            {
                return held;
            }
            foreach (var address in pool.Addresses())
            {
                if (!_byAddress.ContainsKey(address))
                {
                    _byAddress[address] = service;
                    _byService[service] = address;
                    return address;
                }
            }
            return null;
        }
    }

    /// <summary>The address the Service held, now free; null if it held none.</summary>
    public string? Release(string service)
    {
        lock (_lock)
        {
            return ReleaseLocked(service);
        }
    }

    private string? ReleaseLocked(string service)
    {
        if (!_byService.Remove(service, out var address))
        {
            return null;
        }
        _byAddress.Remove(address);
        return address;
    }
}
