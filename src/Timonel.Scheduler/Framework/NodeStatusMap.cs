namespace Timonel.Scheduler.Framework;

/// <summary>
/// Why each rejected node was rejected in one cycle. Nodes never examined (the search stopped early
/// or PreFilter narrowed the set) are absent.
/// </summary>
public sealed class NodeStatusMap
{
    private readonly Dictionary<string, Status> _statuses = new(StringComparer.Ordinal);

    public int Count => _statuses.Count;

    public void Set(string node, Status status) => _statuses[node] = status;

    public bool TryGet(string node, out Status status) => _statuses.TryGetValue(node, out status);

    public IEnumerable<KeyValuePair<string, Status>> Entries => _statuses;
}
