namespace Timonel.Api.Protobuf;

internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// Reads the protobuf wire format from a span. Every read returns false on truncated or malformed
/// input and leaves the position unspecified; the caller then stops and reports the error.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public readonly int Position => _position;

    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        fieldNumber = 0;
        wireType = 0;
        if (!TryReadVarint(out var tag) || tag > uint.MaxValue)
        {
            return false;
        }
        fieldNumber = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        return fieldNumber > 0;
    }

    public bool TryReadVarint(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                return false;
            }
            var b = _data[_position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }
        return false;
    }

    public bool TryReadLengthDelimited(out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (!TryReadVarint(out var length) || length > (ulong)(_data.Length - _position))
        {
            return false;
        }
        bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return true;
    }

    public bool TryReadFixed(int size, out ulong value)
    {
        value = 0;
        if (_data.Length - _position < size)
        {
            return false;
        }
        for (var i = size - 1; i >= 0; i--)
        {
            value = (value << 8) | _data[_position + i];
        }
        _position += size;
        return true;
    }

    /// <summary>Skips one value of the given wire type (groups are not used by Kubernetes: false).</summary>
    public bool TrySkip(WireType wireType) => wireType switch
    {
        WireType.Varint => TryReadVarint(out _),
        WireType.Fixed64 => TryReadFixed(8, out _),
        WireType.LengthDelimited => TryReadLengthDelimited(out _),
        WireType.Fixed32 => TryReadFixed(4, out _),
        _ => false,
    };
}
