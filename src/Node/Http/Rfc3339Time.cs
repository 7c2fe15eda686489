using System.Globalization;
using System.Text.RegularExpressions;

namespace RaftTimers.Node.Http;

/// <summary>
/// Reads an RFC 3339 date-time (section 5.6: <c>full-date "T" full-time</c>, the offset required) as Unix milliseconds.
/// Stricter than <see cref="DateTimeOffset.TryParse(string, out DateTimeOffset)"/>, which takes local formats and times
/// without an offset; a due time read in the node's own time zone would move with the node.
/// </summary>
public static partial class Rfc3339Time
{
    [GeneratedRegex(@"^([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Form();

    /// <summary>The instant <paramref name="text"/> names, in Unix ms (digits past the millisecond dropped); false when it is not RFC 3339.</summary>
    public static bool TryParse(string text, out long unixMs)
    {
        unixMs = 0;
        var match = Form().Match(text);
        if (!match.Success)
            return false;

        var offset = match.Groups[4].Value is "Z" or "z" ? "+00:00" : match.Groups[4].Value;
        if (!DateTimeOffset.TryParseExact($"{match.Groups[1].Value}T{match.Groups[2].Value}{offset}", "yyyy-MM-dd'T'HH:mm:sszzz",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return false;

        var fraction = match.Groups[3].Value;
        var milliseconds = fraction.Length == 0 ? 0 : int.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture);
        unixMs = time.ToUnixTimeMilliseconds() + milliseconds;
        return true;
    }
}
