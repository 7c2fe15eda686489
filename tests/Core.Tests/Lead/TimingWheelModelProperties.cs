using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

/// <summary>
/// The wheel against a plain model (a dictionary of due times scanned on every advance): random
/// schedules, reschedules and cancels; time moving in random steps, standing still, trying to go
/// back, landing exactly on cascade boundaries and on due times, and jumping far. Every timer must
/// go out exactly once, in the advance where time first reaches its due (or, when an advance may hand out only a few,
/// in the advances to that same time that follow it, never earlier). Level sizes are 2^8, 2^14,
/// 2^20 ms, so dues and steps are drawn around those. A failure prints the raw ops and FsCheck's
/// Replay seed, and the message shows the resolved steps.
/// </summary>
public sealed class TimingWheelModelProperties
{
    private static readonly int[] BoundaryBits = [8, 14, 20];

    private enum Kind { Schedule, Cancel, Advance }

    /// <summary>
    /// One raw op; its numbers are turned into due times and steps relative to the time at which it runs.
    /// Schedule: <c>Mode</c> past / now / root / level 0 / boundary / far. Advance: stand still / back / small / boundary / onto a due / far.
    /// </summary>
    private sealed record Op(Kind Kind, int Id, int Mode, int Amount, int Bits, int Delta);

    private static Gen<Op> Ops =>
        from kind in Gen.Frequency((5, Gen.Constant(Kind.Schedule)), (1, Gen.Constant(Kind.Cancel)), (4, Gen.Constant(Kind.Advance)))
        from id in Gen.Choose(0, 7)
        from mode in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Constant(1)), (3, Gen.Constant(2)), (3, Gen.Constant(3)), (4, Gen.Constant(4)), (1, Gen.Constant(5)))
        from amount in Gen.Choose(1, int.MaxValue)
        from bits in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)))
        from delta in Gen.Choose(-1, 1)
        select new Op(kind, id, mode, amount, bits, delta);

    /// <summary>A run's ops, and the most timers one advance may hand out: unlimited, or a few (then the test advances again until the wheel has no more).</summary>
    private static Gen<(long Start, Op[] Ops, int Limit)> Runs =>
        from startOffset in Gen.Choose(0, 70_000)
        from count in Gen.Choose(1, 40)
        from ops in Gen.ArrayOf(Ops, count)
        from limit in Gen.Frequency((1, Gen.Constant(int.MaxValue)), (1, Gen.Choose(1, 3)))
        select ((1_700_000_000_000L & ~((1L << 20) - 1)) + (1L << 20) - startOffset, ops, limit);

    [Property(MaxTest = 200)]
    public Property Every_timer_goes_out_once_in_the_advance_where_time_first_reaches_its_due()
        => Prop.ForAll(Runs.ToArbitrary(), run =>
        {
            var wheel = new TimingWheel(run.Start);
            var model = new Dictionary<string, WheelEntry>();
            var now = run.Start;
            var version = 0L;
            var log = new List<string>();

            foreach (var op in run.Ops)
            {
                var id = $"t{op.Id}";
                switch (op.Kind)
                {
                    case Kind.Schedule:
                        var due = DueFor(op, now);
                        model[id] = new WheelEntry(id, ++version, due);
                        wheel.Schedule(id, version, due);
                        log.Add($"schedule {id} v{version} at now{due - now:+#;-#;+0}");
                        break;

                    case Kind.Cancel:
                        log.Add($"cancel {id}");
                        Check(model.Remove(id) == wheel.Cancel(id), log, $"cancel {id} disagrees on whether it was scheduled");
                        break;

                    default:
                        var target = TargetFor(op, now, model);
                        log.Add($"advance to now{target - now:+#;-#;+0}");
                        now = Math.Max(now, target);
                        var expected = model.Values.Where(e => e.DueAtUnixMs <= now).OrderBy(e => e.TimerId, StringComparer.Ordinal).ToList();
                        foreach (var e in expected)
                            model.Remove(e.TimerId);

                        var expired = new List<WheelEntry>();
                        while (true)
                        {
                            var before = expired.Count;
                            wheel.Advance(target, expired, run.Limit);
                            Check(expired.Count - before <= run.Limit, log, $"one advance handed out {expired.Count - before}, more than its limit {run.Limit}");
                            if (expired.Count - before < run.Limit)
                                break;
                        }

                        var actual = expired.OrderBy(e => e.TimerId, StringComparer.Ordinal).ToList();
                        Check(expected.SequenceEqual(actual), log, $"expected [{string.Join(", ", expected)}], wheel gave [{string.Join(", ", actual)}]");
                        Check(now == wheel.CurrentUnixMs, log, $"wheel time {wheel.CurrentUnixMs}, expected {now}");
                        break;
                }

                Check(model.Count == wheel.Count, log, $"model holds {model.Count} timers, wheel {wheel.Count}");
                foreach (var known in model.Keys)
                    Check(wheel.Contains(known), log, $"wheel lost {known}");
            }
        });

    private static long DueFor(Op op, long now) => op.Mode switch
    {
        0 => now - (op.Amount % 5_000) - 1,
        1 => now,
        2 => now + 1 + (op.Amount % 255),
        3 => now + 256 + (op.Amount % (16_384 - 256)),
        4 => NextBoundary(now, BoundaryBits[op.Bits], op.Amount % 3) + op.Delta,
        _ => now + 16_384 + (op.Amount % (1 << 21)),
    };

    private static long TargetFor(Op op, long now, Dictionary<string, WheelEntry> model) => op.Mode switch
    {
        0 => now,
        1 => now - 1 - (op.Amount % 1_000),
        2 => now + 1 + (op.Amount % 300),
        3 => NextBoundary(now, BoundaryBits[op.Bits], 0) + op.Delta,
        4 when model.Count > 0 => model.Values.ElementAt(op.Amount % model.Count).DueAtUnixMs + Math.Min(op.Delta, 0),
        4 => now + 1,
        _ => now + (1 << 14) + (op.Amount % (1 << 19)),
    };

    /// <summary>The (<paramref name="skip"/>+1)-th multiple of 2^<paramref name="bits"/> after <paramref name="now"/>.</summary>
    private static long NextBoundary(long now, int bits, int skip) => ((now >> bits) + 1 + skip) << bits;

    private static void Check(bool holds, List<string> log, string what)
    {
        if (!holds)
            Assert.Fail($"{what}\nlast steps (times relative to the wheel's time before each step):\n  {string.Join("\n  ", log.TakeLast(25))}");
    }
}
