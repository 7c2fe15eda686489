using FsCheck;
using FsCheck.Fluent;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// Generates logs where commands collide: a pool of six ids, four specs (two differing only in
/// their data), fires and delivery results that mostly target live timers at their current version
/// and attempt, stamps that sometimes go backwards, errors long enough to be cut.
/// </summary>
/// <remarks>
/// Random choices are drawn first as raw numbers, then resolved into commands against a
/// <see cref="TimerModel"/> replaying the log so far: "fire the second pending timer at its current
/// version" becomes <c>fire c v2</c>. Resolution is deterministic, so FsCheck's Replay seed reproduces the log.
/// </remarks>
internal static class ScenarioGenerator
{
    private static readonly string[] IdPool = ["a", "b", "c", "d", "e", "f"];

    private static readonly string?[] Errors =
        [null, "HTTP 503", "", "ошибка 😀", "x" + string.Concat(Enumerable.Repeat("😀", 300)), new string('e', 700)];

    private static readonly long[] Retentions = [0, 1_000, 5_000];

    private enum OpKind { Create, Update, Cancel, Fire, Deliver, Purge }

    private readonly record struct RawOp(OpKind Kind, int Pick, int Spec, int VersionShift, int AttemptShift, DeliveryOutcome Outcome, int Error, bool Live);

    private readonly record struct RawEntry(int StampStep, bool Skip, RawOp[] Ops);

    /// <summary>Specs 0 and 1 differ only in data kind and bytes; 2 in uri and timeout; 3 is short with no data.</summary>
    private static TimerSpec Spec(int i) => i switch
    {
        0 => Specs.Http(300, data: Specs.Text("x")),
        1 => Specs.Http(300, data: Specs.Json("\"x\"")),
        2 => Specs.Http(1_200, "http://127.0.0.1:9000/other"),
        // Absolute due times: one a few entries into the scenario, one before its first stamp (due at once).
        4 => TimerSpec.At(FirstStamp + 2_000, Specs.Http(1).Callback, TimerData.None),
        5 => TimerSpec.At(FirstStamp - 1, Specs.Http(1).Callback, Specs.Text("late")),
        _ => Specs.Http(50),
    };

    private const long FirstStamp = 1_700_000_000_000L;

    private static Gen<RawOp> Op =>
        from kind in Gen.Frequency(
            (24, Gen.Constant(OpKind.Create)), (8, Gen.Constant(OpKind.Update)), (6, Gen.Constant(OpKind.Cancel)),
            (18, Gen.Constant(OpKind.Fire)), (22, Gen.Constant(OpKind.Deliver)), (4, Gen.Constant(OpKind.Purge)))
        from pick in Gen.Choose(0, 1000)
        from spec in Gen.Choose(0, 5)
        from versionShift in Gen.Frequency((7, Gen.Constant(0)), (1, Gen.Constant(-1)), (1, Gen.Constant(1)), (1, Gen.Constant(2)))
        from attemptShift in Gen.Frequency((6, Gen.Constant(1)), (2, Gen.Constant(0)), (1, Gen.Constant(-1)), (1, Gen.Constant(2)))
        from outcome in Gen.Frequency((6, Gen.Constant(DeliveryOutcome.Retry)), (3, Gen.Constant(DeliveryOutcome.Delivered)), (2, Gen.Constant(DeliveryOutcome.Failed)))
        from error in Gen.Choose(0, Errors.Length - 1)
        from live in Gen.Frequency((8, Gen.Constant(true)), (2, Gen.Constant(false)))
        select new RawOp(kind, pick, spec, versionShift, attemptShift, outcome, error, live);

    private static Gen<RawEntry> Entry =>
        from step in Gen.Frequency((1, Gen.Choose(-3_000, -1)), (2, Gen.Constant(0)), (7, Gen.Choose(1, 1_500)))
        from skip in Gen.Frequency((1, Gen.Constant(true)), (19, Gen.Constant(false)))
        from count in Gen.Choose(1, 4)
        from ops in Gen.ArrayOf(Op, count)
        select new RawEntry(step, skip, ops);

    public static Gen<Scenario> Scenarios =>
        Gen.Choose(1, 50).SelectMany(n => Gen.ArrayOf(Entry, n)).Select(Resolve);

    private static Scenario Resolve(RawEntry[] raw)
    {
        var model = new TimerModel();
        var scratch = new List<TimerEvent>();
        var clock = FirstStamp;
        var entries = new List<ScenarioEntry>();
        for (var i = 0; i < raw.Length; i++)
        {
            var index = i + 1;
            clock = Math.Max(0, clock + raw[i].StampStep);
            if (raw[i].Skip)
            {
                model.Skip(index);
                entries.Add(new ScenarioEntry(index, 0, [], IsSkip: true));
                continue;
            }

            model.BeginEntry(index, clock);
            var commands = new TimerCommand[raw[i].Ops.Length];
            for (var j = 0; j < commands.Length; j++)
            {
                commands[j] = Resolve(raw[i].Ops[j], model);
                model.Apply(commands[j], scratch);
            }

            entries.Add(new ScenarioEntry(index, clock, commands, IsSkip: false));
        }

        return new Scenario(entries);
    }

    private static TimerCommand Resolve(RawOp op, TimerModel model)
    {
        switch (op.Kind)
        {
            case OpKind.Create:
                return new CreateTimer(IdPool[op.Pick % IdPool.Length], Spec(op.Spec));
            case OpKind.Update:
            {
                // Some updates expect a version (If-Match): mostly the current one, sometimes one before or after it.
                var id = Target(op, model, TimerStatus.Pending);
                long? expected = op.AttemptShift == 0 ? Math.Max(1, (model.Find(id)?.Version ?? 1) + op.VersionShift) : null;
                return new UpdateTimer(id, Spec(op.Spec), expected);
            }
            case OpKind.Cancel:
                return new CancelTimer(Target(op, model, TimerStatus.Pending));
            case OpKind.Fire:
            {
                var id = DueTarget(op, model) ?? Target(op, model, TimerStatus.Pending);
                var version = (model.Find(id)?.Version ?? 1) + op.VersionShift;
                return new FireTimer(id, Math.Max(1, version));
            }

            case OpKind.Deliver:
            {
                var id = Target(op, model, TimerStatus.Firing);
                var timer = model.Find(id);
                var version = Math.Max(1, (timer?.Version ?? 1) + op.VersionShift);
                var attempt = Math.Max(1, (timer?.Attempts ?? 0) + op.AttemptShift);
                return new RecordDelivery(id, version, attempt, op.Outcome, Errors[op.Error]);
            }

            default:
                // Half the purges carry bounds small enough to cut through the finished timers, often inside a group
                // that finished at one stamp, with a slice that may stop before the bounds are met.
                return new PurgeFinished(Retentions[op.Pick % Retentions.Length], op.Pick % 2 == 0 ? null
                    : new FinishedBounds(MaxTimers: op.Pick % 5, MaxBytes: op.Pick % 3 == 0 ? 40 : long.MaxValue, MaxPerEntry: 1 + (op.Pick % 4)));
        }
    }

    /// <summary>For two fires in three, a pending timer that is due at the entry's stamp, when there is one.</summary>
    private static string? DueTarget(RawOp op, TimerModel model)
    {
        if (!op.Live || op.Pick % 3 == 0)
            return null;
        var due = model.WithStatus(TimerStatus.Pending).Where(t => t.DueAt <= model.LastStamp).Select(t => t.Id).Order(StringComparer.Ordinal).ToList();
        return due.Count > 0 ? due[op.Pick % due.Count] : null;
    }

    /// <summary>Mostly a live timer in <paramref name="status"/>; otherwise any id of the pool, known or not.</summary>
    private static string Target(RawOp op, TimerModel model, TimerStatus status)
    {
        var live = model.WithStatus(status).Select(t => t.Id).Order(StringComparer.Ordinal).ToList();
        return op.Live && live.Count > 0 ? live[op.Pick % live.Count] : IdPool[op.Pick % IdPool.Length];
    }
}
