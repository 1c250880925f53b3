using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Storage.Etcd;

/// <summary>
/// The store for clusters that outgrow one server: an etcd 3.4+ cluster spoken to over its gRPC API
/// (see docs/storage-etcd.md). Every write is one etcd transaction, so the revision a write reports
/// is etcd's own.
/// </summary>
public sealed partial class EtcdStore : IKeyValueStore
{
    private readonly EtcdStoreOptions _options;
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly EtcdKeys _keys;
    private readonly EtcdWatchMux _watches;
    private readonly ILogger _logger;

    /// <summary>The highest compacted revision this process has seen (by compacting or being told).</summary>
    private long _knownCompactedRevision;

    private EtcdStore(EtcdStoreOptions options, GrpcChannel channel)
    {
        _options = options;
        _channel = channel;
        _kv = new KV.KVClient(channel);
        _keys = new EtcdKeys(options.KeyPrefix);
        _logger = options.LoggerFactory?.CreateLogger<EtcdStore>() ?? NullLogger<EtcdStore>.Instance;
        _watches = new EtcdWatchMux(new Watch.WatchClient(channel), _keys, options, _logger, NoteCompacted);
    }

    /// <summary>
    /// Connects and checks that etcd answers; an endpoint list that reaches no member gives a
    /// <see cref="StoreOpenException"/>.
    /// </summary>
    public static async Task<EtcdStore> OpenAsync(EtcdStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = new EtcdStore(options, EtcdChannelFactory.Create(options, options.ParseEndpoints()));
        try
        {
            await store.GetRevisionAsync(cancellationToken);
            return store;
        }
        catch (StorageUnavailableException e)
        {
            await store.DisposeAsync();
            throw new StoreOpenException($"cannot reach etcd at {options.Endpoints}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Not offered: etcd before 3.4.31 / 3.5.13 may answer a progress request ahead of events it
    /// has not sent yet (etcd issues 15220 and 17507), and Debian's etcd is 3.4.23; upstream
    /// Kubernetes likewise reads etcd for fresh lists when the server is older than that.
    /// </remarks>
    public bool ReportsProgressOnRequest => false;

    /// <inheritdoc />
    public void RequestWatchProgress() => throw new NotSupportedException("progress requests are not used with this etcd; see ReportsProgressOnRequest");

    /// <inheritdoc />
    public async ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        // A count-only read of one key that cannot exist costs etcd next to nothing.
        var request = new Etcdserverpb.RangeRequest { Key = _keys.Key("\0revision"), CountOnly = true };
        var response = await CallAsync(o => _kv.RangeAsync(request, o), 0, cancellationToken);
        return response.Header.Revision;
    }

    /// <inheritdoc />
    public async ValueTask<GetResult> GetAsync(string key, long revision = 0, CancellationToken cancellationToken = default)
    {
        var request = new Etcdserverpb.RangeRequest { Key = _keys.Key(key), Revision = revision };
        var response = await CallAsync(o => _kv.RangeAsync(request, o), revision, cancellationToken);
        var item = response.Kvs.Count == 0 ? null : _keys.ToKeyValue(response.Kvs[0]);
        return new GetResult(item, revision > 0 ? revision : response.Header.Revision);
    }

    /// <inheritdoc />
    public async ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        var etcdRequest = new Etcdserverpb.RangeRequest
        {
            Key = _keys.Key(request.Start),
            RangeEnd = _keys.RangeEnd(request.End),
            Revision = request.Revision,
            Limit = request.Limit,
        };
        var response = await CallAsync(o => _kv.RangeAsync(etcdRequest, o), request.Revision, cancellationToken);
        var items = new KeyValue[response.Kvs.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = _keys.ToKeyValue(response.Kvs[i]);
        }
        var revision = request.Revision > 0 ? request.Revision : response.Header.Revision;
        return new RangeResult(items, revision, response.More);
    }

    /// <inheritdoc />
    public async ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var request = new Etcdserverpb.RangeRequest
        {
            Key = _keys.Key(prefix),
            RangeEnd = _keys.PrefixRangeEnd(prefix),
            CountOnly = true,
        };
        var response = await CallAsync(o => _kv.RangeAsync(request, o), 0, cancellationToken);
        return response.Count;
    }

    /// <inheritdoc />
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(revision, 1);
        // Physical: the call returns once the history is gone from the backend, so a read below
        // the revision right after it fails, as the interface promises.
        var request = new CompactionRequest { Revision = revision, Physical = true };
        try
        {
            await CallAsync(o => _kv.CompactAsync(request, o), revision, cancellationToken);
        }
        catch (CompactedException)
        {
            // Someone compacted at or past this revision already; the history is gone either way.
        }
        NoteCompacted(revision);
    }

    /// <inheritdoc />
    /// <remarks>
    /// etcd has no call that tells its compacted revision, so this searches for it: a read at a
    /// revision below it fails with "compacted", one at or above it succeeds, so a binary search
    /// between the highest compacted revision this process has seen and the current revision finds
    /// it in about log2(revisions) count-only reads. That stays right when another server compacts.
    /// </remarks>
    public async ValueTask<long> GetCompactedRevisionAsync(CancellationToken cancellationToken = default)
    {
        var low = Math.Max(Volatile.Read(ref _knownCompactedRevision), 1);
        if (await IsReadableAtAsync(low, cancellationToken))
        {
            return Volatile.Read(ref _knownCompactedRevision);
        }
        var high = await GetRevisionAsync(cancellationToken);
        // Invariant: low is compacted, high is readable.
        while (high - low > 1)
        {
            var middle = low + ((high - low) / 2);
            if (await IsReadableAtAsync(middle, cancellationToken))
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }
        NoteCompacted(high);
        return high;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _watches.DisposeAsync();
        _channel.Dispose();
    }

    private async ValueTask<bool> IsReadableAtAsync(long revision, CancellationToken cancellationToken)
    {
        var request = new Etcdserverpb.RangeRequest { Key = _keys.Key("\0compaction-probe"), Revision = revision, CountOnly = true };
        try
        {
            await _kv.RangeAsync(request, CallOptions(cancellationToken));
            return true;
        }
        catch (RpcException e) when (EtcdErrors.IsCompacted(e))
        {
            return false;
        }
        catch (RpcException e) when (EtcdErrors.IsUnavailable(e, cancellationToken))
        {
            throw EtcdErrors.Unavailable(e);
        }
    }

    private void NoteCompacted(long revision)
    {
        var known = Volatile.Read(ref _knownCompactedRevision);
        while (revision > known)
        {
            var seen = Interlocked.CompareExchange(ref _knownCompactedRevision, revision, known);
            if (seen == known)
            {
                return;
            }
            known = seen;
        }
    }

    private CallOptions CallOptions(CancellationToken cancellationToken) =>
        new(deadline: _options.TimeProvider.GetUtcNow().UtcDateTime + _options.RequestTimeout, cancellationToken: cancellationToken);

    /// <summary>
    /// Runs one unary call and turns etcd's failures into the store's exceptions.
    /// <paramref name="revision"/> is the revision the call asked for, for the exception's message.
    /// </summary>
    private async ValueTask<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, long revision, CancellationToken cancellationToken)
    {
        try
        {
            return await call(CallOptions(cancellationToken));
        }
        catch (RpcException e) when (EtcdErrors.IsCompacted(e))
        {
            throw new CompactedException(revision, await GetCompactedRevisionAsync(cancellationToken));
        }
        catch (RpcException e) when (EtcdErrors.IsFutureRevision(e))
        {
            throw new FutureRevisionException(revision, await GetRevisionAsync(cancellationToken));
        }
        catch (RpcException e) when (EtcdErrors.IsUnavailable(e, cancellationToken))
        {
            throw EtcdErrors.Unavailable(e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
            throw new OperationCanceledException("the etcd call was cancelled", e, cancellationToken);
        }
    }

    /// <summary>The value copied once, so the caller may reuse its buffer and the returned KeyValue stays immutable.</summary>
    private static ReadOnlyMemory<byte> Own(ReadOnlyMemory<byte> value) => value.ToArray();

    private static ByteString Wrap(ReadOnlyMemory<byte> owned) => UnsafeByteOperations.UnsafeWrap(owned);
}
