namespace Timonel.Kubelet.Streaming;

/// <summary>
/// Bytes both ways between two connections, unchanged, until one of them ends; then both are
/// done (a SPDY session has no use for half a connection: either end closing ends every stream).
/// </summary>
public static class StreamPipe
{
    public static async Task RunAsync(Stream a, Stream b, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var there = CopyAsync(a, b, stop.Token);
        var back = CopyAsync(b, a, stop.Token);
        await Task.WhenAny(there, back);
        await stop.CancelAsync();
        await Task.WhenAll(there, back);
    }

    /// <summary>Copies until the end of <paramref name="from"/>, flushing every chunk (interactive traffic); a broken or cancelled side just ends the copy.</summary>
    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }
}
