using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>Reading the sink's JSONL log, including while the sink is still writing it.</summary>
public sealed class SinkLogTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"sinklog-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(path);

    [Fact]
    public void Lines_read_back_as_deliveries_in_file_order()
    {
        File.WriteAllLines(path,
        [
            SinkLog.Format(new SinkLog.Line("t1", "t1:1:5", 1, 1_700_000_000_123.456, 200, "ok", "POST", "/cb")),
            "",
            SinkLog.Format(new SinkLog.Line("t2", "t2:3:9", 2, 1_700_000_000_200.5, 0, "drop", "POST", "/cb")),
            SinkLog.Format(new SinkLog.Line(null, null, 0, 1_700_000_000_300, 503, "error", "PUT", "/x")),
        ]);

        var records = SinkLog.Read(path);

        Assert.Equal(
        [
            new DeliveryRecord("t1", "t1:1:5", 1, 1_700_000_000_123.456, 200),
            new DeliveryRecord("t2", "t2:3:9", 2, 1_700_000_000_200.5, 0),
            new DeliveryRecord("", "", 0, 1_700_000_000_300, 503),
        ], records);
        Assert.Equal((1L, 5L), (records[0].KeyVersion, records[0].KeyFiredAtIndex));
    }

    [Fact]
    public void A_last_line_cut_short_is_skipped()
    {
        var whole = SinkLog.Format(new SinkLog.Line("t1", "t1:1:5", 1, 10, 200, "ok", "POST", "/"));
        var next = SinkLog.Format(new SinkLog.Line("t2", "t2:1:6", 1, 20, 200, "ok", "POST", "/"));
        File.WriteAllText(path, whole + "\n" + next[..(next.Length / 2)]);

        Assert.Equal([new DeliveryRecord("t1", "t1:1:5", 1, 10, 200)], SinkLog.Read(path));
    }

    [Fact]
    public void A_bad_line_before_the_last_is_an_error()
    {
        File.WriteAllText(path, "{\"id\":\n" + SinkLog.Format(new SinkLog.Line("t1", "t1:1:5", 1, 10, 200, "ok", "POST", "/")) + "\n");

        var error = Assert.Throws<FormatException>(() => SinkLog.Read(path));
        Assert.Contains(":1:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sinks_own_endpoints_and_a_missing_file_give_nothing()
    {
        Assert.Empty(SinkLog.Read(path));
        File.WriteAllText(path, SinkLog.Format(new SinkLog.Line("", "", 0, 10, 200, "ok", "GET", "/_sink/health")) + "\n");
        Assert.Empty(SinkLog.Read(path));
    }
}
