using RaftTimers.Core.Apply;

namespace RaftTimers.Tests;

/// <summary>Compares whole states record by record, every field included.</summary>
internal static class RecordAssert
{
    public static void Equal(TimerRecord expected, TimerRecord actual)
    {
        var id = expected.Id;
        Assert.True(expected.Id == actual.Id, $"id: expected {expected.Id}, got {actual.Id}");
        Check(expected.Version, actual.Version, id, "version");
        Check(expected.Status, actual.Status, id, "status");
        Check(expected.CreatedAtUnixMs, actual.CreatedAtUnixMs, id, "createdAt");
        Check(expected.DueAtUnixMs, actual.DueAtUnixMs, id, "dueAt");
        Assert.True(CommandAssert.SameSpec(expected.Spec, actual.Spec),
            $"timer {id} spec: expected {CommandAssert.Describe(expected.Spec)}, got {CommandAssert.Describe(actual.Spec)}");
        Check(expected.Attempts, actual.Attempts, id, "attempts");
        Assert.True(string.Equals(expected.LastError, actual.LastError, StringComparison.Ordinal),
            $"timer {id} lastError: expected {Hex(expected.LastError)}, got {Hex(actual.LastError)}");
        Check(expected.FinishedAtUnixMs, actual.FinishedAtUnixMs, id, "finishedAt");
        Check(expected.FiredAtIndex, actual.FiredAtIndex, id, "firedAtIndex");
        Check(expected.FireCount, actual.FireCount, id, "fireCount");
        Check(expected.Occurrence, actual.Occurrence, id, "occurrence");
        Check(expected.Redrives, actual.Redrives, id, "redrives");
        Check(expected.DeadLetter, actual.DeadLetter, id, "deadLetter");
        Check(expected.DeadLetterAttempts, actual.DeadLetterAttempts, id, "deadLetterAttempts");
        Assert.True(string.Equals(expected.DeadLetterError, actual.DeadLetterError, StringComparison.Ordinal),
            $"timer {id} deadLetterError: expected {Hex(expected.DeadLetterError)}, got {Hex(actual.DeadLetterError)}");
    }

    public static void SameState(TimerStateMachine expected, TimerStateMachine actual)
    {
        Assert.Equal(expected.LastAppliedIndex, actual.LastAppliedIndex);
        Assert.Equal(expected.LastStampUnixMs, actual.LastStampUnixMs);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.PendingCount, actual.PendingCount);
        Assert.Equal(expected.PendingBytes, actual.PendingBytes);
        Assert.Equal(expected.FinishedCount, actual.FinishedCount);
        Assert.Equal(expected.FinishedBytes, actual.FinishedBytes);
        Assert.Equal(expected.FiringCount, actual.FiringCount);
        foreach (var record in expected.All)
        {
            var other = actual.Find(record.Id);
            Assert.True(other is not null, $"timer {record.Id} is missing");
            Equal(record, other);
        }
    }

    private static void Check<T>(T expected, T actual, string id, string field)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            Assert.Fail($"timer {id} {field}: expected {expected}, got {actual}");
    }

    // Errors may end in a lone surrogate; show the UTF-16 code units so such a difference is visible.
    private static string Hex(string? text)
        => text is null ? "null" : $"{text.Length} chars ending {string.Join(' ', text.TakeLast(3).Select(c => ((int)c).ToString("x4")))}";
}
