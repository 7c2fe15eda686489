using System.Text;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// Field-by-field comparison of commands. Record equality does not do: a spec's data is a
/// <see cref="ReadOnlyMemory{T}"/>, which compares by reference.
/// </summary>
internal static class CommandAssert
{
    public static void Equal(IReadOnlyList<TimerCommand> expected, IReadOnlyList<TimerCommand> actual)
    {
        Assert.True(expected.Count == actual.Count, $"expected {expected.Count} commands, got {actual.Count}");
        for (var i = 0; i < expected.Count; i++)
        {
            if (!Same(expected[i], actual[i]))
                Assert.Fail($"command {i}: expected {Describe(expected[i])}, got {Describe(actual[i])}");
        }
    }

    public static bool Same(TimerCommand a, TimerCommand b) => (a, b) switch
    {
        (CreateTimer x, CreateTimer y) => x.TimerId == y.TimerId && SameSpec(x.Spec, y.Spec) && x.Trace == y.Trace,
        (UpdateTimer x, UpdateTimer y) => x.TimerId == y.TimerId && SameSpec(x.Spec, y.Spec) && x.ExpectedVersion == y.ExpectedVersion && x.Trace == y.Trace,
        (CancelTimer x, CancelTimer y) => x.TimerId == y.TimerId,
        (PauseTimer x, PauseTimer y) => x.TimerId == y.TimerId,
        (ResumeTimer x, ResumeTimer y) => x.TimerId == y.TimerId,
        (RedriveTimer x, RedriveTimer y) => x.TimerId == y.TimerId,
        (FireTimer x, FireTimer y) => x.TimerId == y.TimerId && x.Version == y.Version,
        (RecordDelivery x, RecordDelivery y) => x.TimerId == y.TimerId && x.Version == y.Version && x.Attempt == y.Attempt
            && x.Outcome == y.Outcome && string.Equals(x.Error, y.Error, StringComparison.Ordinal) && x.Occurrence == y.Occurrence && x.Run == y.Run && x.DeadLetter == y.DeadLetter,
        (PurgeFinished x, PurgeFinished y) => x.RetentionMs == y.RetentionMs && x.Bounds == y.Bounds && x.FailedRetentionMs == y.FailedRetentionMs,
        _ => false,
    };

    public static bool SameSpec(TimerSpec a, TimerSpec b)
        => a.TimeoutMs == b.TimeoutMs
            && a.DueAtUnixMs == b.DueAtUnixMs
            && string.Equals(a.Callback.Transport, b.Callback.Transport, StringComparison.Ordinal)
            && string.Equals(a.Callback.Method, b.Callback.Method, StringComparison.Ordinal)
            && string.Equals(a.Callback.Uri, b.Callback.Uri, StringComparison.Ordinal)
            && a.Data.Kind == b.Data.Kind
            && a.Data.Utf8.Span.SequenceEqual(b.Data.Utf8.Span)
            && a.Headers == b.Headers && a.Schedule == b.Schedule && a.DeadLetter == b.DeadLetter;

    public static string Describe(TimerCommand command) => command switch
    {
        CreateTimer c => $"create {c.TimerId} {Describe(c.Spec)}",
        UpdateTimer u => $"update {u.TimerId} {Describe(u.Spec)}{(u.ExpectedVersion is { } v ? $" if-match v{v}" : "")}",
        CancelTimer c => $"cancel {c.TimerId}",
        PauseTimer p => $"pause {p.TimerId}",
        ResumeTimer r => $"resume {r.TimerId}",
        FireTimer f => $"fire {f.TimerId} v{f.Version}",
        RecordDelivery d => $"delivery {d.TimerId} v{d.Version} attempt {d.Attempt} {d.Outcome} error={Quote(d.Error)}",
        PurgeFinished p => $"purge retention={p.RetentionMs}ms" + (p.Bounds is { } b ? $" keep<={b.MaxTimers}/{b.MaxBytes}B slice={b.MaxPerEntry}" : ""),
        _ => command.ToString(),
    };

    public static string Describe(TimerSpec spec)
        => $"[{(spec.DueAtUnixMs is { } at ? $"dueAt={at}" : $"timeout={spec.TimeoutMs}ms")} {spec.Callback.Transport} {spec.Callback.Method} {Quote(spec.Callback.Uri)} "
            + $"data={spec.Data.Kind}:{Convert.ToHexString(spec.Data.Utf8.Span)}"
            + (spec.Headers is { } headers ? $" headers={string.Join(";", headers.Items.Select(h => $"{h.Key}:{Quote(h.Value)}"))}" : "") + "]";

    private static string Quote(string? text)
    {
        if (text is null)
            return "null";
        var shown = text.Length > 40 ? $"{text[..40]}...({text.Length} chars)" : text;
        var builder = new StringBuilder("\"");
        foreach (var c in shown)
            builder.Append(c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString());
        return builder.Append('"').ToString();
    }
}
