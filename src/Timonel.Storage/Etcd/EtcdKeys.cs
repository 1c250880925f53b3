using System.Text;
using Google.Protobuf;

namespace Timonel.Storage.Etcd;

/// <summary>
/// Maps Timonel keys to etcd keys under <see cref="EtcdStoreOptions.KeyPrefix"/> and back.
/// Keys travel as UTF-8; etcd compares bytes, which orders like ordinal string comparison.
/// </summary>
internal sealed class EtcdKeys(string keyPrefix)
{
    /// <summary>etcd's range end "\0": every key at or after the start.</summary>
    private static readonly ByteString AllFollowing = ByteString.CopyFrom(0);

    private readonly byte[] _prefixBytes = Encoding.UTF8.GetBytes(keyPrefix);

    public ByteString Key(string key) => ByteString.CopyFromUtf8(keyPrefix + key);

    /// <summary>The Timonel key of an etcd key; etcd only returns keys inside the ranges we asked for.</summary>
    public string Strip(ByteString etcdKey) =>
        Encoding.UTF8.GetString(etcdKey.Span[_prefixBytes.Length..]);

    /// <summary>
    /// The etcd range end for a Timonel range end. An empty end, or <see cref="KeyRange.PrefixEnd"/>
    /// of the empty prefix ("\uffff"), means "to the end of this store's keys".
    /// </summary>
    public ByteString RangeEnd(string end) =>
        end.Length == 0 || end == "\uffff" ? PrefixEnd(_prefixBytes) : Key(end);

    /// <summary>The etcd range end covering every key that starts with <paramref name="prefix"/>.</summary>
    public ByteString PrefixRangeEnd(string prefix) => PrefixEnd(Encoding.UTF8.GetBytes(keyPrefix + prefix));

    /// <summary>The smallest byte string above every string that starts with <paramref name="prefix"/>.</summary>
    private static ByteString PrefixEnd(byte[] prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] < 0xff)
            {
                var end = prefix.AsSpan(0, i + 1).ToArray();
                end[i]++;
                return ByteString.CopyFrom(end);
            }
        }
        return AllFollowing;
    }

    public KeyValue ToKeyValue(Mvccpb.KeyValue kv) =>
        new(Strip(kv.Key), kv.Value.Memory, kv.CreateRevision, kv.ModRevision);
}
