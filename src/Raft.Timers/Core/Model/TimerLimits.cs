namespace RaftTimers.Core.Model;

/// <summary>Hard limits of the timer model, enforced at the HTTP edge and re-checked by the codec.</summary>
public static class TimerLimits
{
    /// <summary>The largest timeout a client may ask for (docs/api.md): 2^31 - 1 ms, about 24.8 days.</summary>
    public const long MaxTimeoutMs = int.MaxValue;

    /// <summary>
    /// The earliest <c>dueAt</c> accepted, 2000-01-01T00:00:00Z: an earlier one is far more likely Unix seconds sent as
    /// milliseconds than a date meant, and would fire at once.
    /// </summary>
    public const long MinDueAtUnixMs = 946_684_800_000;

    /// <summary>The latest <c>dueAt</c> accepted, 9999-12-31T23:59:59.999Z: the last instant RFC 3339 can write.</summary>
    public const long MaxDueAtUnixMs = 253_402_300_799_999;

    public const int MaxIdLength = 128;

    /// <summary>The rule of <see cref="IsValidId"/> in words, for error answers.</summary>
    public const string IdRule = "1-128 characters of [A-Za-z0-9._~-], other than . and ..";

    /// <summary>The longest callback URI accepted.</summary>
    public const int MaxUriLength = 4096;

    /// <summary>The longest error text kept in <c>lastError</c>; longer texts are cut.</summary>
    public const int MaxErrorLength = 512;

    /// <summary>
    /// Ids are at most <see cref="MaxIdLength"/> characters of <c>[A-Za-z0-9._~-]</c> (docs/api.md): the unreserved
    /// URI characters, so an id never needs escaping in a path; and not <c>.</c> or <c>..</c>, which clients and
    /// proxies resolve as path segments, so <c>/timer/..</c> would never reach the timer.
    /// </summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
        => IsWellFormedId(id) && !id.SequenceEqual(".") && !id.SequenceEqual("..");

    /// <summary>
    /// The characters and length of <see cref="IsValidId"/> alone: what the log and snapshots may hold. Entries
    /// written before <c>.</c> and <c>..</c> were refused must still replay.
    /// </summary>
    public static bool IsWellFormedId(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxIdLength)
            return false;

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '-'))
                return false;
        }

        return true;
    }
}
