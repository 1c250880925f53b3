using Microsoft.Extensions.Logging;

namespace Timonel.Network.ServiceProxy;

/// <summary>How one write went.</summary>
public readonly record struct NftWriteResult(bool Ok, bool Full, int ScriptLength, string? Error);

/// <summary>
/// Owns Timonel's table in one network namespace. Invariant: <see cref="Written"/> is what the
/// kernel holds after the last successful transaction, or null when unknown (nothing written
/// yet, or a write failed) — then the next write is a full one. Not thread-safe: one caller
/// (the proxy's sync loop) at a time.
/// </summary>
public sealed class NftTableWriter(INftRunner nft, ILogger logger)
{
    public NftState? Written { get; private set; }

    /// <summary>
    /// Brings the table to <paramref name="wanted"/>. With <paramref name="verify"/>, first reads
    /// the table back and falls back to a full write if it is not what was written (someone
    /// flushed or deleted it).
    /// </summary>
    public async Task<NftWriteResult> WriteAsync(NftState wanted, bool verify, CancellationToken ct)
    {
        if (Written is not null && verify)
        {
            var listed = await nft.RunAsync(["-j", "list", "table", NftNames.Family, NftNames.Table], null, ct).ConfigureAwait(false);
            var mismatch = listed.Ok ? NftTableCheck.Mismatch(listed.Output, Written) : listed.ToString();
            if (mismatch is not null)
            {
                ProxyLog.TableDrifted(logger, mismatch);
                Written = null;
            }
        }
        if (Written is not null && NftTransaction.Incremental(Written, wanted) is { } incremental)
        {
            if (incremental.Length == 0)
            {
                return new NftWriteResult(true, false, 0, null);
            }
            var applied = await nft.RunAsync(["-f", "-"], incremental, ct).ConfigureAwait(false);
            if (applied.Ok)
            {
                Written = wanted;
                return new NftWriteResult(true, false, incremental.Length, null);
            }
            // The table is not what we believed: rebuild it whole.
            ProxyLog.IncrementalFailed(logger, applied.ToString());
        }
        var full = NftTransaction.Full(wanted);
        var result = await nft.RunAsync(["-f", "-"], full, ct).ConfigureAwait(false);
        Written = result.Ok ? wanted : null;
        return new NftWriteResult(result.Ok, true, full.Length, result.Ok ? null : result.ToString());
    }

    /// <summary>Removes Timonel's table (agent shutdown with cleanup, tests); absent is fine.</summary>
    public async Task<NftResult> DeleteTableAsync(CancellationToken ct)
    {
        Written = null;
        return await nft.RunAsync(["-f", "-"], $"add table {NftNames.Qualified}\ndelete table {NftNames.Qualified}\n", ct).ConfigureAwait(false);
    }
}
