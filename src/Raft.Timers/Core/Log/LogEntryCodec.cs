using System.Buffers;
using RaftTimers.Core.Model;

namespace RaftTimers.Core.Log;

/// <summary>
/// The wire format of log entries. Everything in the log is versioned so that a log written by an
/// older release replays after an upgrade:
/// <code>
/// entry   = format:u8 (=1) stamp:i64le count:varint command*count
/// command = kind:u8 version:u8 length:varint payload[length]
/// </code>
/// Each command's payload is decoded by the reader for its (kind, version) pair and must be consumed
/// exactly. A new field means a new command version with its own reader; old readers stay.
/// Decoding either returns every command or throws <see cref="CodecException"/>: there is no
/// half-decoded entry, so the state machine never applies part of a corrupt entry.
/// </summary>
public static class LogEntryCodec
{
    public const byte FormatVersion = 1;

    /// <summary>An upper bound on commands per entry, so a corrupt count cannot ask for a huge list.</summary>
    public const int MaxCommandsPerEntry = 65_536;

    private const int MaxFieldBytes = 16 * 1024 * 1024;

    private enum Kind : byte
    {
        Create = 1,
        Update = 2,
        Cancel = 3,
        Fire = 4,
        DeliveryResult = 5,
        Purge = 6,

        /// <summary>Version 1: <c>id:string</c>, as cancel (<see cref="LogLevels.PauseResume"/>).</summary>
        Pause = 7,

        /// <summary>Version 1: <c>id:string</c>, as cancel (<see cref="LogLevels.PauseResume"/>).</summary>
        Resume = 8,

        /// <summary>Version 1: <c>id:string</c>, as cancel (<see cref="LogLevels.PauseResume"/>).</summary>
        Redrive = 9,
    }

    private const byte CommandVersion1 = 1;

    /// <summary>Update with an expected version (<c>If-Match</c>): version 1's payload, then <c>expectedVersion:varint</c>.
    /// Written only when a version is expected, so logs without one stay readable by builds that know only version 1.</summary>
    private const byte UpdateVersion2 = 2;

    /// <summary>
    /// Create whose spec says when it is due (<c>spec2</c>: <c>due:u8</c>, 1 = <c>timeoutMs:varint</c> after the stamp,
    /// 2 = at <c>dueAtUnixMs:varint</c>, then the rest of version 1's spec). Written only for a spec with a <c>dueAt</c>,
    /// which a node takes only once every member reads it (<see cref="LogLevels.AbsoluteDue"/>).
    /// </summary>
    private const byte CreateVersion2 = 2;

    /// <summary>Update with <c>spec2</c>, then <c>expectedVersion:varint</c> (0 when none is expected); written as <see cref="CreateVersion2"/>.</summary>
    private const byte UpdateVersion3 = 3;

    /// <summary>
    /// Create whose spec has fields beyond when it is due (<c>spec3</c>: <c>spec2</c>, then
    /// <c>fields:varint (tag:u8 length:varint bytes[length])*</c> in increasing tag order, each at most once). Tag 1 is
    /// the callback's headers: <c>count:varint (name:string value:string)*</c>. A reader fails on a tag it does not
    /// know, since applying a spec without it would differ between nodes. Written only for a spec with such a field,
    /// which a node takes only once every member reads it (<see cref="LogLevels.SpecFields"/>).
    /// </summary>
    private const byte CreateVersion3 = 3;

    /// <summary>Update with <c>spec3</c>, then <c>expectedVersion:varint</c> (0 when none is expected).</summary>
    private const byte UpdateVersion4 = 4;

    /// <summary>
    /// Create with <c>spec4</c>: <c>spec3</c> whose fields may also hold tag 2, the schedule of a repeating timer:
    /// <c>kind:u8</c> (1 = <c>cron:string zone:string</c>, the zone empty for UTC; 2 = <c>everyMs:varint</c>), then
    /// <c>endAtUnixMs:varint count:varint</c> (0 for none) and <c>misfire:u8</c>. Written only for a spec with a
    /// schedule, which a node takes only once every member reads it (<see cref="LogLevels.Schedules"/>).
    /// </summary>
    private const byte CreateVersion4 = 4;

    /// <summary>Update with <c>spec4</c>, then <c>expectedVersion:varint</c> (0 when none is expected).</summary>
    private const byte UpdateVersion5 = 5;

    /// <summary>
    /// Create with <c>spec5</c>: <c>spec4</c> whose fields may also hold tag 3, the dead-letter target:
    /// <c>transport:string method:string uri:bytes</c>. Written only for a spec with one, which a node takes only once
    /// every member reads it (<see cref="LogLevels.DeadLetters"/>).
    /// </summary>
    private const byte CreateVersion5 = 5;

    /// <summary>Update with <c>spec5</c>, then <c>expectedVersion:varint</c> (0 when none is expected).</summary>
    private const byte UpdateVersion6 = 6;

    /// <summary>
    /// Create version 5's payload, then the trace context of the request that wrote it: <c>traceId:16 spanId:8
    /// flags:u8</c>, the ids big-endian as a <c>traceparent</c> header spells them, neither zero. Written only for a
    /// create with a trace, which a node sends only once every member reads it (<see cref="LogLevels.TraceContexts"/>).
    /// </summary>
    private const byte CreateVersion6 = 6;

    /// <summary>Update version 6's payload, then the trace context as in <see cref="CreateVersion6"/>.</summary>
    private const byte UpdateVersion7 = 7;

    private const byte DueAfterTimeout = 1;
    private const byte DueAtTime = 2;

    /// <summary><c>spec4</c> only: due as the schedule says, with no value here.</summary>
    private const byte DueBySchedule = 3;

    private const byte FieldHeaders = 1;
    private const byte FieldSchedule = 2;
    private const byte FieldDeadLetter = 3;
    private const byte ScheduleCron = 1;
    private const byte ScheduleEvery = 2;

    /// <summary>Delivery result of a repeating timer: version 1's payload, then <c>occurrence:varint</c> (at least 1).
    /// Written only for such timers, which exist only once every member reads them (<see cref="LogLevels.Schedules"/>).</summary>
    private const byte DeliveryResultVersion2 = 2;

    /// <summary>Delivery result of a re-driven firing: version 1's payload, then <c>occurrence:varint</c> (0 for a timer
    /// that fires once) and <c>run:varint</c> (at least 1) (<see cref="LogLevels.PauseResume"/>).</summary>
    private const byte DeliveryResultVersion3 = 3;

    /// <summary>Result of an attempt of a failed timer's dead-letter notice: version 1's payload, then
    /// <c>occurrence:varint run:varint</c> (each 0 or more) (<see cref="LogLevels.DeadLetters"/>).</summary>
    private const byte DeliveryResultVersion4 = 4;

    /// <summary>Purge with bounds and a retention of failed timers of their own: version 2's payload, then
    /// <c>failedRetentionMs:varint</c> (<see cref="LogLevels.PauseResume"/>).</summary>
    private const byte PurgeVersion3 = 3;

    /// <summary>Purge with bounds: version 1's payload, then <c>maxTimers:varint maxBytes:varint maxPerEntry:varint</c>.
    /// Written only when bounds are given, which the leader does only once every member reads it (<see cref="LogLevels"/>).</summary>
    private const byte PurgeVersion2 = 2;

    public static byte[] Encode(long stampUnixMs, IReadOnlyList<TimerCommand> commands)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * Math.Max(1, commands.Count));
        Encode(buffer, stampUnixMs, commands);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Encode(IBufferWriter<byte> output, long stampUnixMs, IReadOnlyList<TimerCommand> commands)
    {
        if (commands.Count > MaxCommandsPerEntry)
            throw new ArgumentOutOfRangeException(nameof(commands), commands.Count, $"at most {MaxCommandsPerEntry} commands fit one entry");

        var writer = new BinaryWriter(output);
        writer.WriteByte(FormatVersion);
        writer.WriteInt64(stampUnixMs);
        writer.WriteVarInt(commands.Count);

        var payload = new ArrayBufferWriter<byte>(256);
        foreach (var command in commands)
            WriteCommand(writer, payload, command);
    }

    /// <summary>
    /// Appends one command in its log form (<c>kind version length payload</c>). The forwarding channel carries the
    /// commands a follower sends to the leader in this same versioned form (the forwarding frames of RaftTimers.Cluster).
    /// <paramref name="scratch"/> is a reusable buffer for the payload.
    /// </summary>
    public static void WriteCommand(IBufferWriter<byte> output, ArrayBufferWriter<byte> scratch, TimerCommand command)
        => WriteCommand(new BinaryWriter(output), scratch, command);

    private static void WriteCommand(BinaryWriter writer, ArrayBufferWriter<byte> scratch, TimerCommand command)
    {
        scratch.ResetWrittenCount();
        var (kind, version) = WritePayload(new BinaryWriter(scratch), command);
        writer.WriteByte((byte)kind);
        writer.WriteByte(version);
        writer.WriteBytes(scratch.WrittenSpan);
    }

    /// <summary>Reads one command written by <see cref="WriteCommand(IBufferWriter{byte}, ArrayBufferWriter{byte}, TimerCommand)"/>, or throws <see cref="CodecException"/>.</summary>
    internal static TimerCommand ReadCommand(ref BinaryReader reader)
    {
        var kind = reader.ReadByte();
        var version = reader.ReadByte();
        var payload = reader.ReadBytes(MaxFieldBytes, "command payload");
        var payloadReader = new BinaryReader(payload);
        var command = ReadCommand(ref payloadReader, kind, version);
        if (!payloadReader.IsEmpty)
            throw new CodecException($"command of kind {kind} has {payloadReader.Remaining} unread trailing bytes");
        return command;
    }

    private static (Kind Kind, byte Version) WritePayload(BinaryWriter w, TimerCommand command)
    {
        switch (command)
        {
            case CreateTimer create:
            {
                var format = create.Trace is null ? SpecFormatOf(create.Spec) : SpecFormat5;
                w.WriteString(create.TimerId);
                WriteSpec(w, create.Spec, format);
                if (create.Trace is { } trace)
                {
                    WriteTrace(w, trace);
                    return (Kind.Create, CreateVersion6);
                }

                return (Kind.Create, format switch { SpecFormat5 => CreateVersion5, SpecFormat4 => CreateVersion4, SpecFormat3 => CreateVersion3, SpecFormat2 => CreateVersion2, _ => CommandVersion1 });
            }
            case UpdateTimer update:
                var updateFormat = update.Trace is null ? SpecFormatOf(update.Spec) : SpecFormat5;
                w.WriteString(update.TimerId);
                WriteSpec(w, update.Spec, updateFormat);
                if (update.ExpectedVersion is { } expected)
                    ArgumentOutOfRangeException.ThrowIfLessThan(expected, 1L, nameof(command));
                if (update.Trace is { } updateTrace)
                {
                    w.WriteVarInt(update.ExpectedVersion ?? 0);
                    WriteTrace(w, updateTrace);
                    return (Kind.Update, UpdateVersion7);
                }

                if (updateFormat != SpecFormat1)
                {
                    w.WriteVarInt(update.ExpectedVersion ?? 0);
                    return (Kind.Update, updateFormat switch { SpecFormat5 => UpdateVersion6, SpecFormat4 => UpdateVersion5, SpecFormat3 => UpdateVersion4, _ => UpdateVersion3 });
                }

                if (update.ExpectedVersion is null)
                    return (Kind.Update, CommandVersion1);
                w.WriteVarInt(update.ExpectedVersion.Value);
                return (Kind.Update, UpdateVersion2);
            case CancelTimer cancel:
                w.WriteString(cancel.TimerId);
                return (Kind.Cancel, CommandVersion1);
            case PauseTimer pause:
                w.WriteString(pause.TimerId);
                return (Kind.Pause, CommandVersion1);
            case ResumeTimer resume:
                w.WriteString(resume.TimerId);
                return (Kind.Resume, CommandVersion1);
            case RedriveTimer redrive:
                w.WriteString(redrive.TimerId);
                return (Kind.Redrive, CommandVersion1);
            case FireTimer fire:
                w.WriteString(fire.TimerId);
                w.WriteVarInt(fire.Version);
                return (Kind.Fire, CommandVersion1);
            case RecordDelivery result:
                w.WriteString(result.TimerId);
                w.WriteVarInt(result.Version);
                w.WriteVarInt(result.Attempt);
                w.WriteByte((byte)result.Outcome);
                w.WriteNullableString(result.Error);
                ArgumentOutOfRangeException.ThrowIfNegative(result.Occurrence, nameof(command));
                ArgumentOutOfRangeException.ThrowIfNegative(result.Run, nameof(command));
                if (result.DeadLetter)
                {
                    w.WriteVarInt(result.Occurrence);
                    w.WriteVarInt(result.Run);
                    return (Kind.DeliveryResult, DeliveryResultVersion4);
                }

                if (result.Run > 0)
                {
                    w.WriteVarInt(result.Occurrence);
                    w.WriteVarInt(result.Run);
                    return (Kind.DeliveryResult, DeliveryResultVersion3);
                }

                if (result.Occurrence == 0)
                    return (Kind.DeliveryResult, CommandVersion1);
                w.WriteVarInt(result.Occurrence);
                return (Kind.DeliveryResult, DeliveryResultVersion2);
            case PurgeFinished purge:
                w.WriteVarInt(purge.RetentionMs);
                if (purge.Bounds is not { } bounds)
                {
                    if (purge.FailedRetentionMs is not null)
                        throw new ArgumentException("a purge with a retention of failed timers needs bounds", nameof(command));
                    return (Kind.Purge, CommandVersion1);
                }
                ArgumentOutOfRangeException.ThrowIfNegative(bounds.MaxTimers, nameof(command));
                ArgumentOutOfRangeException.ThrowIfNegative(bounds.MaxBytes, nameof(command));
                ArgumentOutOfRangeException.ThrowIfLessThan(bounds.MaxPerEntry, 1, nameof(command));
                w.WriteVarInt(bounds.MaxTimers);
                w.WriteVarInt(bounds.MaxBytes);
                w.WriteVarInt(bounds.MaxPerEntry);
                if (purge.FailedRetentionMs is not { } failedRetention)
                    return (Kind.Purge, PurgeVersion2);
                ArgumentOutOfRangeException.ThrowIfNegative(failedRetention, nameof(command));
                w.WriteVarInt(failedRetention);
                return (Kind.Purge, PurgeVersion3);
            default:
                throw new ArgumentException($"no encoding for {command.GetType().Name}", nameof(command));
        }
    }

    /// <summary>Version 1's spec: the timeout, callback and data.</summary>
    public const byte SpecFormat1 = 1;

    /// <summary><c>spec2</c>: version 1's, with when it is due (a timeout or an absolute time) in front.</summary>
    public const byte SpecFormat2 = 2;

    /// <summary><c>spec3</c>: <c>spec2</c>, then tagged fields (the callback's headers).</summary>
    public const byte SpecFormat3 = 3;

    /// <summary><c>spec4</c>: <c>spec3</c> whose fields may hold a schedule too.</summary>
    public const byte SpecFormat4 = 4;

    /// <summary><c>spec5</c>: <c>spec4</c> whose fields may hold a dead-letter target too.</summary>
    public const byte SpecFormat5 = 5;

    /// <summary>
    /// The oldest spec format that holds every field of <paramref name="spec"/>: a spec keeps the bytes of the oldest
    /// format it fits, so logs and snapshots of timers that use no newer field stay readable by older builds.
    /// </summary>
    public static byte SpecFormatOf(TimerSpec spec)
        => spec.DeadLetter is not null ? SpecFormat5 : spec.Schedule is not null ? SpecFormat4 : spec.Headers is not null ? SpecFormat3 : spec.DueAtUnixMs is not null ? SpecFormat2 : SpecFormat1;

    /// <summary>Writes <paramref name="spec"/> in <paramref name="format"/>, which must be at least <see cref="SpecFormatOf"/>.</summary>
    private static void WriteSpec(BinaryWriter w, TimerSpec spec, byte format)
    {
        if (format < SpecFormatOf(spec))
            throw new ArgumentException($"this spec needs spec format {SpecFormatOf(spec)}, not {format}", nameof(format));
        if (spec.Schedule is not null)
        {
            w.WriteByte(DueBySchedule);
        }
        else if (format >= SpecFormat2)
        {
            w.WriteByte(spec.DueAtUnixMs is null ? DueAfterTimeout : DueAtTime);
            w.WriteVarInt(spec.DueAtUnixMs ?? spec.TimeoutMs);
        }
        else
        {
            w.WriteVarInt(spec.TimeoutMs);
        }

        w.WriteString(spec.Callback.Transport);
        w.WriteString(spec.Callback.Method);
        w.WriteBytes(spec.Callback.UriUtf8);
        w.WriteByte((byte)spec.Data.Kind);
        w.WriteBytes(spec.Data.Utf8.Span);
        if (format < SpecFormat3)
            return;

        w.WriteVarInt((spec.Headers is null ? 0 : 1) + (spec.Schedule is null ? 0 : 1) + (spec.DeadLetter is null ? 0 : 1));
        if (spec.Headers is { } headers)
        {
            w.WriteByte(FieldHeaders);
            var field = new System.Buffers.ArrayBufferWriter<byte>(headers.Bytes + 8);
            var fw = new BinaryWriter(field);
            fw.WriteVarInt(headers.Items.Count);
            foreach (var (name, value) in headers.Items)
            {
                fw.WriteString(name);
                fw.WriteString(value);
            }

            w.WriteBytes(field.WrittenSpan);
        }

        if (spec.Schedule is { } schedule)
        {
            w.WriteByte(FieldSchedule);
            var field = new System.Buffers.ArrayBufferWriter<byte>(64);
            var fw = new BinaryWriter(field);
            if (schedule.Cron is { } cron)
            {
                fw.WriteByte(ScheduleCron);
                fw.WriteString(cron);
                fw.WriteString(schedule.TimeZone ?? "");
            }
            else
            {
                fw.WriteByte(ScheduleEvery);
                fw.WriteVarInt(schedule.EveryMs);
            }

            fw.WriteVarInt(schedule.EndAtUnixMs ?? 0);
            fw.WriteVarInt(schedule.Count ?? 0);
            fw.WriteByte((byte)schedule.Misfire);
            w.WriteBytes(field.WrittenSpan);
        }

        if (spec.DeadLetter is { } deadLetter)
        {
            w.WriteByte(FieldDeadLetter);
            var field = new System.Buffers.ArrayBufferWriter<byte>(deadLetter.UriUtf8.Length + 32);
            var fw = new BinaryWriter(field);
            fw.WriteString(deadLetter.Transport);
            fw.WriteString(deadLetter.Method);
            fw.WriteBytes(deadLetter.UriUtf8);
            w.WriteBytes(field.WrittenSpan);
        }
    }

    /// <summary>Decodes a whole entry or throws <see cref="CodecException"/>.</summary>
    public static TimerLogEntry Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new BinaryReader(bytes);
        var format = reader.ReadByte();
        if (format != FormatVersion)
            throw new CodecException($"unknown log entry format {format} (this build reads format {FormatVersion})");

        var stamp = reader.ReadInt64();
        if (stamp < 0)
            throw new CodecException($"negative entry stamp {stamp}");

        var count = (int)reader.ReadVarInt(0, MaxCommandsPerEntry, "command count");
        var commands = new TimerCommand[count];
        for (var i = 0; i < count; i++)
            commands[i] = ReadCommand(ref reader);

        if (!reader.IsEmpty)
            throw new CodecException($"{reader.Remaining} trailing bytes after the last command");

        return new TimerLogEntry(stamp, commands);
    }

    private static TimerCommand ReadCommand(ref BinaryReader r, byte kind, byte version)
    {
        if ((Kind)kind == Kind.Update && version == UpdateVersion2)
            return new UpdateTimer(ReadId(ref r), ReadSpec(ref r), ReadVersion(ref r));
        if ((Kind)kind == Kind.Create && version is CreateVersion2 or CreateVersion3 or CreateVersion4 or CreateVersion5)
            return new CreateTimer(ReadId(ref r), ReadSpec(ref r, version switch { CreateVersion5 => SpecFormat5, CreateVersion4 => SpecFormat4, CreateVersion3 => SpecFormat3, _ => SpecFormat2 }));
        if ((Kind)kind == Kind.Create && version == CreateVersion6)
            return new CreateTimer(ReadId(ref r), ReadSpec(ref r, SpecFormat5)) { Trace = ReadTrace(ref r) };
        if ((Kind)kind == Kind.Update && version == UpdateVersion7)
        {
            var (id, spec) = (ReadId(ref r), ReadSpec(ref r, SpecFormat5));
            var expected = r.ReadVarInt(0, long.MaxValue, "expected version");
            return new UpdateTimer(id, spec, expected == 0 ? null : expected) { Trace = ReadTrace(ref r) };
        }

        if ((Kind)kind == Kind.Update && version is UpdateVersion3 or UpdateVersion4 or UpdateVersion5 or UpdateVersion6)
        {
            var (id, spec) = (ReadId(ref r), ReadSpec(ref r, version switch { UpdateVersion6 => SpecFormat5, UpdateVersion5 => SpecFormat4, UpdateVersion4 => SpecFormat3, _ => SpecFormat2 }));
            var expected = r.ReadVarInt(0, long.MaxValue, "expected version");
            return new UpdateTimer(id, spec, expected == 0 ? null : expected);
        }
        if ((Kind)kind == Kind.Purge && version is PurgeVersion2 or PurgeVersion3)
        {
            var retention = r.ReadVarInt(0, long.MaxValue, "retention");
            var purge = new PurgeFinished(retention, new FinishedBounds(
                r.ReadVarInt(0, long.MaxValue, "finished timers bound"),
                r.ReadVarInt(0, long.MaxValue, "finished bytes bound"),
                (int)r.ReadVarInt(1, int.MaxValue, "purge slice")));
            return version == PurgeVersion3 ? purge with { FailedRetentionMs = r.ReadVarInt(0, long.MaxValue, "failed retention") } : purge;
        }
        if ((Kind)kind == Kind.DeliveryResult && version == DeliveryResultVersion2)
            return ReadDeliveryResult(ref r) with { Occurrence = (int)r.ReadVarInt(1, int.MaxValue, "occurrence") };
        if ((Kind)kind == Kind.DeliveryResult && version == DeliveryResultVersion3)
        {
            var result = ReadDeliveryResult(ref r);
            var occurrence = (int)r.ReadVarInt(0, int.MaxValue, "occurrence");
            return result with { Occurrence = occurrence, Run = (int)r.ReadVarInt(1, int.MaxValue, "run") };
        }
        if ((Kind)kind == Kind.DeliveryResult && version == DeliveryResultVersion4)
        {
            var result = ReadDeliveryResult(ref r);
            var occurrence = (int)r.ReadVarInt(0, int.MaxValue, "occurrence");
            return result with { Occurrence = occurrence, Run = (int)r.ReadVarInt(0, int.MaxValue, "run"), DeadLetter = true };
        }
        if (version != CommandVersion1)
            throw new CodecException($"unknown version {version} of command kind {kind}");

        return (Kind)kind switch
        {
            Kind.Create => new CreateTimer(ReadId(ref r), ReadSpec(ref r)),
            Kind.Update => new UpdateTimer(ReadId(ref r), ReadSpec(ref r)),
            Kind.Cancel => new CancelTimer(ReadId(ref r)),
            Kind.Pause => new PauseTimer(ReadId(ref r)),
            Kind.Resume => new ResumeTimer(ReadId(ref r)),
            Kind.Redrive => new RedriveTimer(ReadId(ref r)),
            Kind.Fire => new FireTimer(ReadId(ref r), ReadVersion(ref r)),
            Kind.DeliveryResult => ReadDeliveryResult(ref r),
            Kind.Purge => new PurgeFinished(r.ReadVarInt(0, long.MaxValue, "retention")),
            _ => throw new CodecException($"unknown command kind {kind}"),
        };
    }

    private static RecordDelivery ReadDeliveryResult(ref BinaryReader r)
    {
        var id = ReadId(ref r);
        var version = ReadVersion(ref r);
        var attempt = (int)r.ReadVarInt(1, int.MaxValue, "attempt");
        var outcome = r.ReadByte();
        if (!Enum.IsDefined((DeliveryOutcome)outcome))
            throw new CodecException($"unknown delivery outcome {outcome}");
        var error = r.ReadNullableString(MaxFieldBytes, "error");
        return new RecordDelivery(id, version, attempt, (DeliveryOutcome)outcome, error);
    }

    private static long ReadVersion(ref BinaryReader r) => r.ReadVarInt(1, long.MaxValue, "version");

    internal static string ReadId(ref BinaryReader r)
    {
        var id = r.ReadString(TimerLimits.MaxIdLength, "timer id");
        if (!TimerLimits.IsWellFormedId(id))
            throw new CodecException($"invalid timer id '{id}'");
        return id;
    }

    internal static TimerSpec ReadSpec(ref BinaryReader r, byte format = SpecFormat1)
    {
        long timeout = 0;
        long? dueAt = null;
        var bySchedule = false;
        switch (format >= SpecFormat2 ? r.ReadByte() : DueAfterTimeout)
        {
            case DueAfterTimeout:
                timeout = r.ReadVarInt(1, TimerLimits.MaxTimeoutMs, "timeout");
                break;
            case DueAtTime:
                dueAt = r.ReadVarInt(0, TimerLimits.MaxDueAtUnixMs, "dueAt");
                break;
            case DueBySchedule when format >= SpecFormat4:
                bySchedule = true;
                break;
            case var due:
                throw new CodecException($"unknown due kind {due}");
        }

        var callback = ReadCallback(ref r);
        var kind = r.ReadByte();
        if (!Enum.IsDefined((TimerDataKind)kind))
            throw new CodecException($"unknown data kind {kind}");
        var data = r.ReadBytes(MaxFieldBytes, "data").ToArray();
        var (headers, schedule, deadLetter) = format >= SpecFormat3 ? ReadFields(ref r, format) : (null, null, null);
        if (bySchedule != schedule is not null)
            throw new CodecException(bySchedule ? "a spec due by its schedule has no schedule" : "a spec with a schedule is due by a timeout or a time");
        return new TimerSpec(timeout, callback, new TimerData((TimerDataKind)kind, data))
        {
            DueAtUnixMs = dueAt,
            Headers = headers,
            Schedule = schedule,
            DeadLetter = deadLetter,
        };
    }

    /// <summary>
    /// The tagged fields of <c>spec3</c> (the headers), <c>spec4</c> (also the schedule) and <c>spec5</c> (also the
    /// dead-letter target), in increasing tag order.
    /// </summary>
    private static (TimerHeaders? Headers, TimerSchedule? Schedule, CallbackSpec? DeadLetter) ReadFields(ref BinaryReader r, byte format)
    {
        TimerHeaders? headers = null;
        TimerSchedule? schedule = null;
        CallbackSpec? deadLetter = null;
        var lastTag = 0;
        var count = r.ReadVarInt(0, format >= SpecFormat5 ? 3 : format >= SpecFormat4 ? 2 : 1, "spec field count");
        for (var i = 0; i < count; i++)
        {
            var tag = r.ReadByte();
            if (tag <= lastTag)
                throw new CodecException($"spec field {tag} after field {lastTag}: tags must increase");
            lastTag = tag;
            var field = new BinaryReader(r.ReadBytes(MaxFieldBytes, "spec field"));
            switch (tag)
            {
                case FieldHeaders:
                    headers = ReadHeaders(ref field);
                    break;
                case FieldSchedule when format >= SpecFormat4:
                    schedule = ReadSchedule(ref field);
                    break;
                case FieldDeadLetter when format >= SpecFormat5:
                    deadLetter = ReadCallback(ref field);
                    break;
                default:
                    throw new CodecException($"unknown spec field {tag}");
            }

            if (!field.IsEmpty)
                throw new CodecException($"spec field {tag} has {field.Remaining} unread trailing bytes");
        }

        return (headers, schedule, deadLetter);
    }

    /// <summary>A callback (the timer's, or its dead-letter target): <c>transport:string method:string uri:bytes</c>.</summary>
    private static CallbackSpec ReadCallback(ref BinaryReader r)
    {
        var transport = ReadName(ref r, 64, "transport");
        var method = ReadName(ref r, 16, "method");
        // The HTTP edge limits the uri in characters, and one UTF-16 character takes up to three UTF-8 bytes:
        // a tighter byte limit here would make a committed entry undecodable on every node.
        var uri = r.ReadBytes(TimerLimits.MaxUriLength * 3, "uri");
        if (!System.Text.Unicode.Utf8.IsValid(uri))
            throw new CodecException("uri is not valid UTF-8");
        return CallbackCache.Default.Share(transport, method, uri);
    }

    private static TimerSchedule ReadSchedule(ref BinaryReader r)
    {
        TimerSchedule schedule;
        switch (r.ReadByte())
        {
            case ScheduleCron:
                var cron = r.ReadString(TimerSchedule.MaxCronLength, "schedule cron");
                var zone = r.ReadString(TimerSchedule.MaxZoneLength, "schedule zone");
                schedule = TimerSchedule.TryCron(cron, zone.Length == 0 ? null : zone, out var error)
                    ?? throw new CodecException($"bad schedule in the log: {error}");
                break;
            case ScheduleEvery:
                schedule = TimerSchedule.Every(r.ReadVarInt(TimerSchedule.MinEveryMs, TimerLimits.MaxDueAtUnixMs, "schedule interval"));
                break;
            case var other:
                throw new CodecException($"unknown schedule kind {other}");
        }

        var endAt = r.ReadVarInt(0, TimerLimits.MaxDueAtUnixMs, "schedule end");
        var count = r.ReadVarInt(0, int.MaxValue, "schedule count");
        var misfire = r.ReadByte();
        if (!Enum.IsDefined((MisfirePolicy)misfire))
            throw new CodecException($"unknown misfire policy {misfire}");
        return schedule with { EndAtUnixMs = endAt == 0 ? null : endAt, Count = count == 0 ? null : (int)count, Misfire = (MisfirePolicy)misfire };
    }

    private static TimerHeaders ReadHeaders(ref BinaryReader r)
    {
        var count = (int)r.ReadVarInt(1, TimerHeaders.MaxCount, "header count");
        var items = new KeyValuePair<string, string>[count];
        for (var i = 0; i < count; i++)
            items[i] = new(r.ReadString(TimerHeaders.MaxNameLength, "header name"), r.ReadString(TimerHeaders.MaxTotalBytes, "header value"));
        // Credentials allowed: whether a node takes them is its own setting, and what one node took must replay everywhere.
        return TimerHeaders.TryCreate(items, allowCredentials: true, out var error) ?? throw new CodecException($"bad headers in the log: {error}");
    }

    /// <summary>A transport or method name: one shared string for the names the API accepts (<see cref="CallbackCache.Name"/>).</summary>
    private static string ReadName(ref BinaryReader r, int maxBytes, string field)
    {
        var bytes = r.ReadBytes(maxBytes, field);
        return CallbackCache.Name(bytes) ?? BinaryReader.Utf8(bytes, field);
    }

    internal static void WriteSpecTo(BinaryWriter w, TimerSpec spec, byte format) => WriteSpec(w, spec, format);

    /// <summary>A trace context's <see cref="TraceContext.EncodedBytes"/> bytes (<see cref="CreateVersion6"/>).</summary>
    internal static void WriteTrace(BinaryWriter w, TraceContext trace)
    {
        Span<byte> bytes = stackalloc byte[TraceContext.EncodedBytes];
        trace.WriteTo(bytes);
        w.WriteFixed(bytes);
    }

    internal static TraceContext ReadTrace(ref BinaryReader r)
    {
        return TraceContext.Read(r.Take(TraceContext.EncodedBytes, "trace context"))
            ?? throw new CodecException("a trace context with a zero trace or span id");
    }
}
