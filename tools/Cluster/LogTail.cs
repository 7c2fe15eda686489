namespace RaftTimers.Tools.Cluster;

/// <summary>The last lines a node wrote to its log since a given offset, for failure reports.</summary>
internal static class LogTail
{
    public const int Lines = 20;

    /// <summary>Reads at most this much of a log's end, so a huge log cannot stall a failure report.</summary>
    private const int MaxBytes = 64 * 1024;

    /// <summary>Longer lines (a logged exception is one line with its whole stack) are cut to keep the report readable.</summary>
    private const int MaxLineChars = 300;

    /// <summary>The report block: a heading line and the log's last lines, indented.</summary>
    public static string Describe(NodeState node, long fromOffset)
    {
        var lines = Read(node.LogFile, fromOffset);
        if (lines.Count == 0)
            return $"  {node.LogFile} has no output from this run";
        return $"  last {lines.Count} lines of {node.LogFile}:\n" + string.Join('\n', lines.Select(l => "    " + Shorten(l)));
    }

    private static string Shorten(string line) => line.Length <= MaxLineChars ? line : line[..MaxLineChars] + " [...]";

    private static List<string> Read(string path, long fromOffset)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = Math.Max(fromOffset, stream.Length - MaxBytes);
            stream.Seek(Math.Min(start, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            if (lines.Count > 0 && lines[^1].Length == 0)
                lines.RemoveAt(lines.Count - 1);
            return lines.TakeLast(Lines).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
