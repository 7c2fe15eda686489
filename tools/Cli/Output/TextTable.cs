namespace RaftTimers.Tools.Cli.Output;

/// <summary>A plain left-aligned table for human output: a header row, then one row per item, columns two spaces apart.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public int RowCount => rows.Count;

    public void Add(params string?[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"a row has {cells.Length} cells, the table {headers.Length} columns", nameof(cells));
        rows.Add([.. cells.Select(c => string.IsNullOrEmpty(c) ? "-" : OneLine(c))]);
    }

    public void WriteTo(TextWriter output)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        WriteRow(output, headers, widths);
        foreach (var row in rows)
            WriteRow(output, row, widths);
    }

    /// <summary>Writes label/value pairs, one per line, the values aligned: the view of a single item.</summary>
    public static void WritePairs(TextWriter output, IEnumerable<(string Label, string? Value)> pairs)
    {
        var list = pairs.ToList();
        var width = list.Max(p => p.Label.Length);
        foreach (var (label, value) in list)
            output.WriteLine($"{label.PadRight(width)}  {(string.IsNullOrEmpty(value) ? "-" : value)}");
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths)
    {
        var line = string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i])));
        output.WriteLine(line.TrimEnd());
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
