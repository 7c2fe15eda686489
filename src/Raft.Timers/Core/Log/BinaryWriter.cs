using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RaftTimers.Core.Log;

/// <summary>
/// Appends little-endian integers, LEB128 varints and length-prefixed UTF-8 strings to a buffer.
/// The one encoder shared by the log codec and the snapshot codec.
/// </summary>
internal readonly struct BinaryWriter(IBufferWriter<byte> output)
{
    public void WriteByte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(sizeof(long)), value);
        output.Advance(sizeof(long));
    }

    public void WriteVarUInt(ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }

    public void WriteVarInt(long value)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(nameof(value), value, "only non-negative values are encoded as varints");
        WriteVarUInt((ulong)value);
    }

    /// <summary>Bytes of a fixed length the reader knows, without a length in front.</summary>
    public void WriteFixed(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)bytes.Length);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)length);
        var written = Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(written);
    }

    public void WriteNullableString(string? value)
    {
        WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is not null)
            WriteString(value);
    }
}
