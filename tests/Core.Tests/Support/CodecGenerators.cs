using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>FsCheck generators of valid commands, with edge values (limits, unicode, empty data) drawn often.</summary>
internal static class CodecGenerators
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    // Pieces of text that stress UTF-8: multi-byte letters, surrogate pairs, a ZWJ sequence, NUL, quotes.
    private static readonly string[] TextPieces =
        ["a", "Z", " ", "é", "ß", "中", "文", "😀", "👩‍💻", "🇫🇷", "\u0000", "\"", "\\", "\n", "\u200d", "Ω"];

    public static Gen<ulong> Bits64 =>
        Gen.Choose(0, 0xFFFF).Four().Select(p => ((ulong)(uint)p.Item1 << 48) | ((ulong)(uint)p.Item2 << 32) | ((ulong)(uint)p.Item3 << 16) | (uint)p.Item4);

    /// <summary>A value in min..max (min ≥ 0), often one of the bounds, otherwise of random magnitude.</summary>
    public static Gen<long> Between(long min, long max)
    {
        var span = (ulong)(max - min);
        var random = Gen.Zip(Gen.Choose(0, 63), Bits64, (bits, raw) =>
        {
            var magnitude = bits == 0 ? 0 : raw >> (64 - bits);
            return min + (long)(span == ulong.MaxValue ? magnitude : magnitude % (span + 1));
        });
        return Gen.Frequency((1, Gen.Constant(min)), (1, Gen.Constant(max)), (8, random));
    }

    public static Gen<string> Id =>
        Gen.Frequency((8, Gen.Choose(1, 12)), (1, Gen.Constant(TimerLimits.MaxIdLength)), (1, Gen.Choose(1, TimerLimits.MaxIdLength)))
            .SelectMany(length => Gen.ArrayOf(Gen.Elements(IdAlphabet.ToCharArray()), length))
            .Select(chars => new string(chars));

    /// <summary>Unicode text of at most <paramref name="maxBytes"/> UTF-8 bytes (possibly empty).</summary>
    public static Gen<string> Text(int maxPieces, int maxBytes)
        => Gen.Choose(0, maxPieces)
            .SelectMany(n => Gen.ArrayOf(Gen.Elements(TextPieces), n))
            .Select(pieces => string.Concat(pieces))
            .Where(text => Encoding.UTF8.GetByteCount(text) <= maxBytes);

    public static Gen<TimerData> Data =>
        Gen.Frequency(
            (2, Gen.Constant(TimerData.None)),
            (3, Text(20, 1000).Select(t => new TimerData(TimerDataKind.Text, Encoding.UTF8.GetBytes(t)))),
            (3, Text(10, 1000).Select(t => new TimerData(TimerDataKind.Json,
                Encoding.UTF8.GetBytes($"{{\"note\":\"{t.Replace("\\", "\\\\").Replace("\"", "\\\"")}\",\"n\":[1,2.5,null]}}")))),
            (1, Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).Select(bytes => new TimerData(TimerDataKind.Text, bytes))));

    /// <summary>A timeout, or (one spec in three) a dueAt of any instant the codec holds; one spec in four names a dead-letter target.</summary>
    public static Gen<TimerSpec> Spec =>
        from timeout in Between(1, TimerLimits.MaxTimeoutMs)
        from dueAt in Gen.Frequency((2, Gen.Constant<long?>(null)), (1, Between(0, TimerLimits.MaxDueAtUnixMs).Select(v => (long?)v)))
        from transport in Gen.Frequency((4, Gen.Constant("http")), (1, Text(8, 64)))
        from method in Gen.Frequency((4, Gen.Elements("post", "put", "get")), (1, Text(2, 16)))
        from uri in Gen.Frequency((3, Gen.Constant("https://example.com/hook?x=1")), (2, Text(40, TimerLimits.MaxUriLength).Select(t => "http://h/" + t)))
        from data in Data
        from deadLetter in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Text(20, TimerLimits.MaxUriLength).Select(t => (string?)("http://d/" + t))))
        select (dueAt is { } at
            ? TimerSpec.At(at, new CallbackSpec(transport, method, uri), data)
            : new TimerSpec(timeout, new CallbackSpec(transport, method, uri), data)) with
        {
            DeadLetter = deadLetter is null ? null : new CallbackSpec("http", "post", deadLetter),
        };

    public static Gen<string?> Error =>
        Gen.Frequency((2, Gen.Constant<string?>(null)), (3, Text(30, 10_000).Select(t => (string?)t)), (1, Gen.Constant<string?>(new string('e', 2000))));

    /// <summary>No context mostly; otherwise any non-zero trace and span id with any flags.</summary>
    public static Gen<TraceContext?> Trace =>
        Gen.Frequency((3, Gen.Constant<TraceContext?>(null)),
            (1, from high in Between(0, long.MaxValue)
                from low in Between(1, long.MaxValue)
                from span in Between(1, long.MaxValue)
                from flags in Gen.Choose(0, 255)
                select (TraceContext?)new TraceContext(new UInt128((ulong)high, (ulong)low), (ulong)span, (byte)flags)));

    public static Gen<TimerCommand> Command =>
        Gen.OneOf(
            from id in Id
            from spec in Spec
            from trace in Trace
            select (TimerCommand)new CreateTimer(id, spec) { Trace = trace },
            from id in Id
            from spec in Spec
            from expected in Gen.Frequency((1, Gen.Constant<long?>(null)), (1, Between(1, long.MaxValue).Select(v => (long?)v)))
            from trace in Trace
            select (TimerCommand)new UpdateTimer(id, spec, expected) { Trace = trace },
            Id.Select(id => (TimerCommand)new CancelTimer(id)),
            Gen.Zip(Id, Between(1, long.MaxValue), (id, version) => (TimerCommand)new FireTimer(id, version)),
            from id in Id
            from version in Between(1, long.MaxValue)
            from attempt in Between(1, int.MaxValue)
            from outcome in Gen.Elements(DeliveryOutcome.Delivered, DeliveryOutcome.Retry, DeliveryOutcome.Failed)
            from error in Error
            from notice in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            from occurrence in Between(0, int.MaxValue)
            from run in Between(0, int.MaxValue)
            select (TimerCommand)(notice
                ? new RecordDelivery(id, version, (int)attempt, outcome, error) { DeadLetter = true, Occurrence = (int)occurrence, Run = (int)run }
                : new RecordDelivery(id, version, (int)attempt, outcome, error)),
            Between(0, long.MaxValue).Select(retention => (TimerCommand)new PurgeFinished(retention)),
            from retention in Between(0, long.MaxValue)
            from maxTimers in Between(0, long.MaxValue)
            from maxBytes in Between(0, long.MaxValue)
            from slice in Between(1, int.MaxValue)
            select (TimerCommand)new PurgeFinished(retention, new FinishedBounds(maxTimers, maxBytes, (int)slice)));

    public static Gen<(long Stamp, TimerCommand[] Commands)> Entry =>
        Gen.Zip(Between(0, long.MaxValue), Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(Command, n)), (stamp, commands) => (stamp, commands));
}
