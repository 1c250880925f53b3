using System.Collections.Concurrent;
using System.Net;

namespace Timonel.Kubelet.Simulated;

/// <summary>Hands out addresses from each node's podCIDR, one per pod uid, reused after release.</summary>
internal sealed class PodIpAllocator
{
    private readonly ConcurrentDictionary<string, NodeRange> _nodes = new();

    public string? Allocate(string node, string? podCidr, string podUid)
    {
        if (string.IsNullOrEmpty(podCidr))
        {
            return null;
        }
        return _nodes.GetOrAdd(node, _ => new NodeRange(podCidr)).Allocate(podUid);
    }

    public void Release(string? node, string podUid)
    {
        if (node is not null && _nodes.TryGetValue(node, out var range))
        {
            range.Release(podUid);
        }
    }

    private sealed class NodeRange
    {
        private readonly uint _network;
        private readonly int _size;
        private readonly Dictionary<string, int> _byPod = [];
        private readonly HashSet<int> _used = [];
        private int _next = 2; // .1 is the node's bridge, as on a real node

        public NodeRange(string cidr)
        {
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            var bytes = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
            _network = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
            _size = 1 << (32 - int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        public string? Allocate(string podUid)
        {
            lock (_byPod)
            {
                if (!_byPod.TryGetValue(podUid, out var offset))
                {
                    for (var tries = 0; tries < _size; tries++, _next = _next + 1 >= _size - 1 ? 2 : _next + 1)
                    {
                        if (_used.Add(_next))
                        {
                            offset = _next;
                            _byPod[podUid] = offset;
                            break;
                        }
                    }
                    if (offset == 0) return null;
                }
                var v = _network + (uint)offset;
                return $"{v >> 24}.{(v >> 16) & 0xff}.{(v >> 8) & 0xff}.{v & 0xff}";
            }
        }

        public void Release(string podUid)
        {
            lock (_byPod)
            {
                if (_byPod.Remove(podUid, out var offset)) _used.Remove(offset);
            }
        }
    }
}
