using Etcdserverpb;
using Google.Protobuf;

namespace Timonel.Storage.Etcd;

// Every conditional write is one etcd Txn: the compare is the condition, the failure branch reads
// the key so a refused write reports the current value without a second round trip.
public sealed partial class EtcdStore
{
    /// <inheritdoc />
    public async ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        var etcdKey = _keys.Key(key);
        var owned = Own(value);
        var txn = new TxnRequest
        {
            // create_revision is 0 exactly when the key does not exist.
            Compare = { new Compare { Key = etcdKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = etcdKey, Value = Wrap(owned) } } },
            Failure = { ReadOp(etcdKey) },
        };
        var response = await CallAsync(o => _kv.TxnAsync(txn, o), 0, cancellationToken);
        var revision = response.Header.Revision;
        if (response.Succeeded)
        {
            return new WriteResult(WriteStatus.Ok, revision, new KeyValue(key, owned, revision, revision));
        }
        var current = ReadResult(response);
        // The key can vanish between compare and read only in another transaction; a Txn is atomic.
        return new WriteResult(current is null ? WriteStatus.NotFound : WriteStatus.AlreadyExists, revision, current);
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default)
    {
        // mod_revision 0 would match a missing key and turn the update into a create.
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedModRevision, 1);
        var etcdKey = _keys.Key(key);
        var owned = Own(value);
        var txn = new TxnRequest
        {
            Compare = { ModRevisionIs(etcdKey, expectedModRevision) },
            // prev_kv gives the create revision of the key we overwrote.
            Success = { new RequestOp { RequestPut = new PutRequest { Key = etcdKey, Value = Wrap(owned), PrevKv = true } } },
            Failure = { ReadOp(etcdKey) },
        };
        var response = await CallAsync(o => _kv.TxnAsync(txn, o), 0, cancellationToken);
        var revision = response.Header.Revision;
        if (response.Succeeded)
        {
            var createRevision = response.Responses[0].ResponsePut.PrevKv?.CreateRevision ?? revision;
            return new WriteResult(WriteStatus.Ok, revision, new KeyValue(key, owned, createRevision, revision));
        }
        return Refused(response);
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        var etcdKey = _keys.Key(key);
        var delete = new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = etcdKey, PrevKv = true } };
        var txn = new TxnRequest { Success = { delete } };
        if (expectedModRevision > 0)
        {
            txn.Compare.Add(ModRevisionIs(etcdKey, expectedModRevision));
            txn.Failure.Add(ReadOp(etcdKey));
        }
        var response = await CallAsync(o => _kv.TxnAsync(txn, o), 0, cancellationToken);
        var revision = response.Header.Revision;
        if (!response.Succeeded)
        {
            return Refused(response);
        }
        var deleted = response.Responses[0].ResponseDeleteRange;
        // An unconditional delete of a missing key succeeds in etcd without a new revision.
        return deleted.Deleted == 0
            ? new WriteResult(WriteStatus.NotFound, revision, null)
            : new WriteResult(WriteStatus.Ok, revision, _keys.ToKeyValue(deleted.PrevKvs[0]));
    }

    private static Compare ModRevisionIs(ByteString etcdKey, long modRevision) =>
        new() { Key = etcdKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision };

    private static RequestOp ReadOp(ByteString etcdKey) =>
        new() { RequestRange = new Etcdserverpb.RangeRequest { Key = etcdKey } };

    /// <summary>The key as the failure branch read it, or null when it does not exist.</summary>
    private KeyValue? ReadResult(TxnResponse response)
    {
        var kvs = response.Responses[0].ResponseRange.Kvs;
        return kvs.Count == 0 ? null : _keys.ToKeyValue(kvs[0]);
    }

    private WriteResult Refused(TxnResponse response)
    {
        var current = ReadResult(response);
        return new WriteResult(current is null ? WriteStatus.NotFound : WriteStatus.Conflict, response.Header.Revision, current);
    }
}
