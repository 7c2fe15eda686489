using System.Buffers.Binary;

namespace RaftTimers.Node.Http;

/// <summary>
/// Ids for timers created without <c>x-timer-id</c>: UUIDv7 text (RFC 9562), whose leading 48-bit millisecond
/// timestamp makes ids sort by creation time, so every node's sorted id index appends near its end instead of
/// inserting at random places (docs/benchmarks.md). The 74 random bits come from the process's seeded generator, not
/// from the operating system per id as <see cref="Guid.CreateVersion7()"/> does: that is a system call on every create.
/// Ids need to be unique, not secret, and 74 random bits per millisecond keep two nodes' ids apart.
/// </summary>
public static class TimerIds
{
    public static string NewId() => NewId(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds(), Random.Shared);

    public static string NewId(long unixMs, Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes[6..]);
        BinaryPrimitives.WriteInt64BigEndian(bytes[..8], (unixMs << 16) | BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(6, 2)));
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
