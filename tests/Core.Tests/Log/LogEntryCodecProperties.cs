using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>Randomized codec checks. A failure prints FsCheck's Replay seed; pass it to [Property(Replay = ...)] to rerun.</summary>
public sealed class LogEntryCodecProperties
{
    [Property(MaxTest = 300)]
    public Property Random_command_lists_round_trip_exactly()
        => Prop.ForAll(CodecGenerators.Entry.ToArbitrary(), entry =>
        {
            var decoded = LogEntryCodec.Decode(LogEntryCodec.Encode(entry.Stamp, entry.Commands));
            Assert.Equal(entry.Stamp, decoded.StampUnixMs);
            CommandAssert.Equal(entry.Commands, decoded.Commands);
        });

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_decode_or_throw_CodecException()
    {
        var randomBytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));

        // Mostly start from a valid entry and break it a little, so the decoder gets past the format byte.
        var mutated =
            from entry in CodecGenerators.Entry
            let bytes = LogEntryCodec.Encode(entry.Stamp, entry.Commands)
            from count in Gen.Choose(1, 4)
            from edits in Gen.ListOf(Edit, count)
            select Mutate(bytes, edits);

        var inputs = Gen.Frequency((1, randomBytes), (1, randomBytes.Select(b => (byte[])[LogEntryCodec.FormatVersion, .. b])), (4, mutated));
        return Prop.ForAll(inputs.ToArbitrary(), bytes =>
        {
            try
            {
                LogEntryCodec.Decode(bytes);
            }
            catch (CodecException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name} instead of CodecException for {Convert.ToHexString(bytes)}: {e.Message}");
            }
        });
    }

    // Overwrite a byte, insert a byte, or cut the rest off.
    private static Gen<(int Op, int At, int Value)> Edit =>
        from op in Gen.Choose(0, 2)
        from at in Gen.Choose(0, int.MaxValue)
        from value in Gen.Choose(0, 255)
        select (op, at, value);

    private static byte[] Mutate(byte[] bytes, IEnumerable<(int Op, int At, int Value)> edits)
    {
        var list = bytes.ToList();
        foreach (var (op, at, value) in edits)
        {
            switch (op)
            {
                case 0 when list.Count > 0:
                    list[at % list.Count] = (byte)value;
                    break;
                case 1:
                    list.Insert(at % (list.Count + 1), (byte)value);
                    break;
                case 2 when list.Count > 0:
                    list.RemoveRange(at % list.Count, list.Count - (at % list.Count));
                    break;
            }
        }

        return [.. list];
    }
}
