using System.Globalization;
using System.Text;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Text a callback receiver controls (its reason phrase, a malformed header line quoted by the HTTP client) on its way
/// into <c>lastError</c>, the log and the dashboard: control and bidirectional-override characters become visible
/// escapes, so a receiver cannot forge log lines, move a terminal's cursor or reorder what an operator reads; and the
/// text is cut short, so it cannot flood them either.
/// </summary>
internal static class ReceiverText
{
    public const int MaxLength = 300;

    public static string Clean(string text)
    {
        var clean = new StringBuilder(Math.Min(text.Length, MaxLength + 16));
        foreach (var c in text)
        {
            if (clean.Length >= MaxLength)
                return clean.Append('…').ToString();
            if (char.IsControl(c) || IsBidiControl(c))
                clean.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                clean.Append(c);
        }

        return clean.ToString();
    }

    private static bool IsBidiControl(char c) => c is '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
