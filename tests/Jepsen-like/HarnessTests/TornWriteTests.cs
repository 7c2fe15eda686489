using RaftTimers.JepsenLike.Nemesis;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>The torn-write fault cuts bytes off the end of what the newest non-empty log chunk holds, and only there.</summary>
public sealed class TornWriteTests : IDisposable
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "torn-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void The_tail_of_the_newest_written_chunk_is_cut_and_older_chunks_are_left_alone()
    {
        var chunks = Path.Combine(data, "wal", "data");
        Directory.CreateDirectory(chunks);
        var older = Chunk(chunks, "9", written: 100_000);
        var newest = Chunk(chunks, "10", written: 70_000); // numbered, not ordered by name: 10 is newer than 9
        Chunk(chunks, "11", written: 0);                    // just rolled over, nothing in it yet

        for (var seed = 0; seed < 20; seed++)
        {
            File.WriteAllBytes(Path.Combine(chunks, "10"), newest);
            var cut = TornWrite.Tear(data, new Random(seed), maxBytes: 512);

            Assert.InRange(cut, 1, 512);
            Assert.Equal(70_000 - cut, new FileInfo(Path.Combine(chunks, "10")).Length);
            Assert.Equal(older, File.ReadAllBytes(Path.Combine(chunks, "9")));
        }
    }

    [Fact]
    public void A_log_with_nothing_written_is_reported_as_such()
    {
        var chunks = Path.Combine(data, "wal", "data");
        Directory.CreateDirectory(chunks);
        Chunk(chunks, "0", written: 0);

        Assert.Equal(0, TornWrite.Tear(data, new Random(1)));
    }

    /// <summary>A chunk of 256 KiB whose first <paramref name="written"/> bytes are non-zero, the rest zero (a sparse chunk).</summary>
    private static byte[] Chunk(string directory, string name, int written)
    {
        var bytes = new byte[256 * 1024];
        for (var i = 0; i < written; i++)
            bytes[i] = (byte)(1 + (i % 251));
        File.WriteAllBytes(Path.Combine(directory, name), bytes);
        return bytes;
    }

    public void Dispose()
    {
        if (Directory.Exists(data))
            Directory.Delete(data, recursive: true);
    }
}
