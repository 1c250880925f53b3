namespace Timonel.Storage;

/// <summary>One version of one key. <see cref="Value"/> is never mutated once created.</summary>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);
