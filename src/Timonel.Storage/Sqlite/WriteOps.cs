namespace Timonel.Storage.Sqlite;

/// <summary>One unit of work for the writer loop; applied inside the batch's transaction.</summary>
internal abstract class WriteOp
{
    /// <summary>Set when the caller stopped waiting before the op was applied; such ops are skipped.</summary>
    public abstract bool Abandoned { get; }

    /// <summary>Applies the op to the batch's transaction; throws on I/O failure.</summary>
    public abstract void Apply(WriteBatch batch);

    /// <summary>Reports that the op was skipped because its caller gave up.</summary>
    public abstract void Cancel();

    /// <summary>Reports the applied outcome once the batch is durable.</summary>
    public abstract void Complete();

    /// <summary>Reports that the batch did not commit; nothing of it was acknowledged.</summary>
    public abstract void Fail(Exception reason);
}

internal enum KeyWriteKind { Create, Update, Delete }

/// <summary>A conditional create, update or delete of one key.</summary>
internal sealed class KeyWriteOp(KeyWriteKind kind, string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken)
    : WriteOp
{
    private readonly TaskCompletionSource<WriteResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WriteResult _result;

    public Task<WriteResult> Task => _completion.Task;

    public override bool Abandoned => cancellationToken.IsCancellationRequested;

    public override void Apply(WriteBatch batch)
    {
        var current = batch.ReadCurrent(key);
        _result = kind switch
        {
            KeyWriteKind.Create when current is not null => new(WriteStatus.AlreadyExists, batch.Revision, current),
            KeyWriteKind.Create => new(WriteStatus.Ok, batch.Put(key, value, null), null),
            KeyWriteKind.Update when current is null => new(WriteStatus.NotFound, batch.Revision, null),
            KeyWriteKind.Update when current.ModRevision != expectedModRevision => new(WriteStatus.Conflict, batch.Revision, current),
            KeyWriteKind.Update => new(WriteStatus.Ok, batch.Put(key, value, current), null),
            _ when current is null => new(WriteStatus.NotFound, batch.Revision, null),
            _ when expectedModRevision != 0 && current.ModRevision != expectedModRevision =>
                new(WriteStatus.Conflict, batch.Revision, current),
            _ => new(WriteStatus.Ok, batch.Delete(current), current),
        };
        if (_result.Succeeded && kind != KeyWriteKind.Delete)
        {
            _result = _result with { Current = new KeyValue(key, value, current?.CreateRevision ?? _result.Revision, _result.Revision) };
        }
    }

    public override void Complete() => _completion.TrySetResult(_result);

    public override void Fail(Exception reason) => _completion.TrySetException(reason);

    public override void Cancel() => _completion.TrySetCanceled(cancellationToken);
}

/// <summary>One chunk of a compaction; runs in the writer so it never races a write.</summary>
internal sealed class CompactChunkOp(long compactRevision, long from, long to, bool recordRevision) : WriteOp
{
    private readonly TaskCompletionSource<long> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _deleted;

    /// <summary>The number of log rows the chunk removed.</summary>
    public Task<long> Task => _completion.Task;

    public override bool Abandoned => false;

    public override void Apply(WriteBatch batch) =>
        _deleted = batch.CompactChunk(compactRevision, from, to, recordRevision);

    public override void Complete() => _completion.TrySetResult(_deleted);

    public override void Fail(Exception reason) => _completion.TrySetException(reason);

    public override void Cancel() { }
}
