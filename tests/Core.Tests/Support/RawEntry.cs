using System.Buffers.Binary;
using System.Text;

namespace RaftTimers.Tests;

/// <summary>
/// Builds log entry bytes by hand from the format documented on <c>LogEntryCodec</c>, independently
/// of the library's writer, so malformed inputs can be made one field at a time:
/// <code>
/// entry   = format:u8 (=1) stamp:i64le count:varint command*count
/// command = kind:u8 version:u8 length:varint payload[length]
/// </code>
/// </summary>
internal static class RawEntry
{
    public const byte Create = 1, Update = 2, Cancel = 3, Fire = 4, DeliveryResult = 5, Purge = 6;

    public static byte[] Entry(long stamp, params byte[][] commands) => Entry(1, stamp, (ulong)commands.Length, commands);

    public static byte[] Entry(byte format, long stamp, ulong count, params byte[][] commands)
    {
        var stampBytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(stampBytes, stamp);
        return Cat([format], stampBytes, VarUInt(count), Cat(commands));
    }

    public static byte[] Command(byte kind, byte[] payload, byte version = 1) => Cat([kind, version], VarUInt((ulong)payload.Length), payload);

    public static byte[] VarUInt(ulong value)
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

    public static byte[] Str(string text) => Utf8Bytes(Encoding.UTF8.GetBytes(text));

    /// <summary>A length-prefixed byte string, for text that is not valid UTF-8.</summary>
    public static byte[] Utf8Bytes(byte[] bytes) => Cat(VarUInt((ulong)bytes.Length), bytes);

    /// <summary>A create/update spec: timeout transport method uri dataKind data.</summary>
    public static byte[] Spec(ulong timeoutMs = 1000, byte dataKind = 1, string data = "hi", string uri = "http://h/cb")
        => Cat(VarUInt(timeoutMs), Str("http"), Str("post"), Str(uri), [dataKind], Str(data));

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
