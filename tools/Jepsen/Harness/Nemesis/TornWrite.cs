namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>
/// What a crash in the middle of a log write leaves on disk: the entry's offset and hash already in the log's
/// metadata, the end of its bytes missing. Applied to a stopped node's newest log chunk by truncating the file
/// (DotNext extends a short chunk back to its size with zeros when it opens it).
/// </summary>
public static class TornWrite
{
    /// <summary>Cuts up to <paramref name="maxBytes"/> bytes off the end of the last write; returns how many, or 0 when the log holds nothing.</summary>
    public static int Tear(string dataDirectory, Random random, int maxBytes = 512)
    {
        var chunks = Directory.GetFiles(Path.Combine(dataDirectory, "wal", "data"))
            .OrderByDescending(f => long.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture));
        foreach (var chunk in chunks)
        {
            var end = EndOfWrites(chunk);
            if (end == 0)
                continue;
            var cut = 1 + random.Next((int)Math.Min(maxBytes, end));
            using var file = new FileStream(chunk, FileMode.Open, FileAccess.Write);
            file.SetLength(end - cut);
            return cut;
        }

        return 0;
    }

    /// <summary>One past the last non-zero byte: chunks are sparse files of a fixed size, zero beyond what was written.</summary>
    private static long EndOfWrites(string chunk)
    {
        using var file = new FileStream(chunk, FileMode.Open, FileAccess.Read);
        var block = new byte[64 * 1024];
        for (var start = Math.Max(0, file.Length - block.Length); ; start = Math.Max(0, start - block.Length))
        {
            var length = (int)Math.Min(block.Length, file.Length - start);
            file.Position = start;
            file.ReadExactly(block, 0, length);
            var last = Array.FindLastIndex(block, length - 1, length, b => b != 0);
            if (last >= 0)
                return start + last + 1;
            if (start == 0)
                return 0;
        }
    }
}
