using System.Buffers.Binary;
using System.Text;

namespace RaftTimers.Core.Log;

/// <summary>
/// Reads what <see cref="BinaryWriter"/> wrote, failing with <see cref="CodecException"/> on any
/// truncation or malformed value rather than returning garbage.
/// </summary>
internal ref struct BinaryReader(ReadOnlySpan<byte> input)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private ReadOnlySpan<byte> remaining = input;

    public readonly int Remaining => remaining.Length;

    public readonly bool IsEmpty => remaining.IsEmpty;

    public byte ReadByte()
    {
        if (remaining.IsEmpty)
            throw new CodecException("unexpected end of data reading a byte", endOfData: true);
        var value = remaining[0];
        remaining = remaining[1..];
        return value;
    }

    public long ReadInt64()
    {
        if (remaining.Length < sizeof(long))
            throw new CodecException("unexpected end of data reading a 64-bit integer", endOfData: true);
        var value = BinaryPrimitives.ReadInt64LittleEndian(remaining);
        remaining = remaining[sizeof(long)..];
        return value;
    }

    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1)
                throw new CodecException("varint overflows 64 bits");
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }

        throw new CodecException("varint longer than 10 bytes");
    }

    /// <summary>Reads a varint that must lie in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public long ReadVarInt(long min, long max, string field)
    {
        var value = ReadVarUInt();
        if (value > long.MaxValue || (long)value < min || (long)value > max)
            throw new CodecException($"{field} {value} is outside {min}..{max}");
        return (long)value;
    }

    public ReadOnlySpan<byte> ReadBytes(int maxLength, string field)
    {
        var length = ReadVarUInt();
        if (length > (ulong)maxLength)
            throw new CodecException($"{field} length {length} exceeds {maxLength}");
        return Take((int)length, field);
    }

    public ReadOnlySpan<byte> Take(int length, string field)
    {
        if (remaining.Length < length)
            throw new CodecException($"unexpected end of data reading {field} ({length} bytes wanted, {remaining.Length} left)", endOfData: true);
        var value = remaining[..length];
        remaining = remaining[length..];
        return value;
    }

    public string ReadString(int maxBytes, string field) => Utf8(ReadBytes(maxBytes, field), field);

    /// <summary>Strictly decoded UTF-8 text, or a <see cref="CodecException"/> naming <paramref name="field"/>.</summary>
    public static string Utf8(ReadOnlySpan<byte> bytes, string field)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CodecException($"{field} is not valid UTF-8");
        }
    }

    public string? ReadNullableString(int maxBytes, string field)
        => ReadByte() switch
        {
            0 => null,
            1 => ReadString(maxBytes, field),
            var other => throw new CodecException($"{field} has an invalid presence marker {other}"),
        };
}
