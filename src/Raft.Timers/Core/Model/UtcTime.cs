namespace RaftTimers.Core.Model;

/// <summary>Instants as the API writes them (docs/api.md): RFC 3339 in UTC, to the millisecond.</summary>
public static class UtcTime
{
    /// <summary>RFC 3339 UTC with milliseconds, e.g. 2026-11-28T20:42:01.980Z; formatted by hand (this is on every create's path).</summary>
    public static string Rfc3339(long unixMs)
        => string.Create(24, DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime, static (span, t) =>
        {
            Digits(span[..4], t.Year);
            span[4] = '-';
            Digits(span.Slice(5, 2), t.Month);
            span[7] = '-';
            Digits(span.Slice(8, 2), t.Day);
            span[10] = 'T';
            Digits(span.Slice(11, 2), t.Hour);
            span[13] = ':';
            Digits(span.Slice(14, 2), t.Minute);
            span[16] = ':';
            Digits(span.Slice(17, 2), t.Second);
            span[19] = '.';
            Digits(span.Slice(20, 3), t.Millisecond);
            span[23] = 'Z';
        });

    private static void Digits(Span<char> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--, value /= 10)
            into[i] = (char)('0' + (value % 10));
    }
}
