using System.Text;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>Builds protobuf wire bytes by hand for tests (independent of the decoder's reader).</summary>
internal static class Pb
{
    public static byte[] Varint(int field, long value) => [.. Tag(field, 0), .. VarintBytes(unchecked((ulong)value))];

    public static byte[] Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public static byte[] Bytes(int field, byte[] value) =>
        [.. Tag(field, 2), .. VarintBytes((ulong)value.Length), .. value];

    public static byte[] Msg(int field, params byte[][] fields) => Bytes(field, [.. fields.SelectMany(f => f)]);

    /// <summary>A whole request body: magic, then the runtime.Unknown envelope around raw.</summary>
    public static byte[] Body(string apiVersion, string kind, byte[] raw, string contentEncoding = "") =>
        [.. "k8s\0"u8.ToArray(), .. Msg(1, Str(1, apiVersion), Str(2, kind)), .. Bytes(2, raw),
         .. Str(3, contentEncoding), .. Str(4, "")];

    private static byte[] Tag(int field, int wire) => VarintBytes((ulong)((field << 3) | wire));

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }
}
