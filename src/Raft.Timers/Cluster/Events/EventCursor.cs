using System.Globalization;

namespace RaftTimers.Cluster.Events;

/// <summary>
/// A place in the event stream: after event <see cref="Position"/> of entry <see cref="Index"/>. Written as the
/// event's id, <c>{index}:{position}</c>; a bare <c>{index}</c> means after every event of that entry.
/// </summary>
public readonly record struct EventCursor(long Index, int Position)
{
    /// <summary>After the whole entry.</summary>
    public const int WholeEntry = int.MaxValue;

    public static EventCursor AfterEntry(long index) => new(index, WholeEntry);

    public bool IsBefore(long index, int position) => Index < index || (Index == index && Position < position);

    public override string ToString()
        => Position == WholeEntry
            ? Index.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Index}:{Position}");

    /// <summary>Reads <c>{index}:{position}</c> or <c>{index}</c>, both non-negative.</summary>
    public static bool TryParse(string? text, out EventCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 40)
            return false;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var indexText = colon < 0 ? text : text[..colon];
        if (!long.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return false;
        if (colon < 0)
        {
            cursor = AfterEntry(index);
            return true;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position) || position == WholeEntry)
            return false;
        cursor = new EventCursor(index, position);
        return true;
    }
}
