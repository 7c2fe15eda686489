using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>
/// The real <c>jepsen-agent sink</c> process: it logs every callback with the machine's wall clock, answers as its
/// fault plan says (windows are absolute Unix ms, so each test opens one around now), and exits 0 on SIGTERM with
/// its log flushed.
/// </summary>
public sealed class SinkProcessTests : IDisposable
{
    private readonly string logPath = Path.Combine(Path.GetTempPath(), $"sink-{Guid.NewGuid():N}.jsonl");
    private readonly HttpClient http = new() { Timeout = SinkProcess.Deadline };

    public void Dispose()
    {
        http.Dispose();
        File.Delete(logPath);
    }

    [Fact]
    public async Task Callbacks_are_logged_and_answered_200_outside_fault_windows_and_sigterm_exits_0()
    {
        using var sink = await SinkProcess.StartAsync(logPath);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", sink.Url);

        Assert.Equal(200, (int)(await http.GetAsync(new Uri($"{sink.Url}/_sink/health"))).StatusCode);
        Assert.Equal(404, (int)(await http.GetAsync(new Uri($"{sink.Url}/_sink/other"))).StatusCode);
        var before = NowMs();
        var answer = await http.SendAsync(Callback(sink.Url, "t-1", "t-1:4", attempt: 3));
        var after = NowMs();
        Assert.Equal(200, (int)answer.StatusCode);
        await http.SendAsync(Callback(sink.Url, null, null, attempt: null));

        var records = await sink.WaitForDeliveriesAsync(2);
        Assert.Equal(2, records.Count);
        Assert.Equal(("t-1", "t-1:4", 3, 200), (records[0].TimerId, records[0].IdempotencyKey, records[0].Attempt, records[0].AnsweredStatus));
        Assert.InRange(records[0].ArrivedAtMs, before, after);
        Assert.Equal(("", 0), (records[1].TimerId, records[1].Attempt));
        var line = JsonDocument.Parse(File.ReadLines(logPath).First()).RootElement;
        Assert.Equal(("ok", "POST", "/callbacks/t-1"), (line.GetProperty("action").GetString(), line.GetProperty("method").GetString(), line.GetProperty("path").GetString()));

        Assert.Equal(0, await sink.TerminateAsync());
    }

    [Theory]
    [InlineData("error5xx:1", 503, "error")]
    [InlineData("error429:1", 429, "error")]
    [InlineData("error5xx:0", 200, "ok")]
    public async Task Error_windows_answer_their_status(string mode, int status, string action)
    {
        using var sink = await SinkProcess.StartAsync(logPath, WindowAroundNow(mode));

        var answer = await http.SendAsync(Callback(sink.Url, "t-2", "t-2:1", 1));

        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Equal(status == 429 ? "1" : null, answer.Headers.RetryAfter?.ToString());
        var records = await sink.WaitForDeliveriesAsync(1);
        Assert.Equal(status, Assert.Single(records).AnsweredStatus);
        Assert.Equal(action, JsonDocument.Parse(File.ReadLines(logPath).First()).RootElement.GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_drop_reads_the_request_logs_it_then_closes_without_an_answer()
    {
        using var sink = await SinkProcess.StartAsync(logPath, WindowAroundNow("drop:1"));

        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Callback(sink.Url, "t-3", "t-3:2", 1)));

        var record = Assert.Single(await sink.WaitForDeliveriesAsync(1));
        Assert.Equal(("t-3", 0), (record.TimerId, record.AnsweredStatus));
        Assert.Equal("drop", JsonDocument.Parse(File.ReadLines(logPath).First()).RootElement.GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_slow_window_answers_200_after_its_delay()
    {
        using var sink = await SinkProcess.StartAsync(logPath, WindowAroundNow("slow:400"));

        var clock = Stopwatch.StartNew();
        var answer = await http.SendAsync(Callback(sink.Url, "t-4", "t-4:1", 1));

        Assert.Equal(200, (int)answer.StatusCode);
        Assert.True(clock.ElapsedMilliseconds >= 390, $"answered after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(200, Assert.Single(await sink.WaitForDeliveriesAsync(1)).AnsweredStatus);
    }

    [Fact]
    public async Task A_caller_that_gives_up_on_a_slow_answer_is_logged_as_unanswered()
    {
        using var sink = await SinkProcess.StartAsync(logPath, WindowAroundNow("slow:60000"));
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.SendAsync(Callback(sink.Url, "t-5", "t-5:1", 1)));

        Assert.Equal(0, Assert.Single(await sink.WaitForDeliveriesAsync(1)).AnsweredStatus);
        Assert.Equal(0, await sink.TerminateAsync());
    }

    [Theory]
    [InlineData("--listen", "127.0.0.1:0", "--log", "/tmp/x.jsonl", "--faults", "10-5:drop:1")]
    [InlineData("--listen", "nowhere", "--log", "/tmp/x.jsonl")]
    [InlineData("--log", "/tmp/x.jsonl")]
    public async Task A_bad_command_line_exits_2_with_a_message(params string[] args)
    {
        using var process = SinkProcess.StartRaw(args);
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(SinkProcess.Deadline);

        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith("sink: ", await error, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Callback(string url, string? id, string? key, int? attempt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{url}/callbacks/{id ?? "none"}")) { Content = new StringContent("{\"payload\":\"x\"}") };
        if (id is not null)
            request.Headers.Add("X-Timer-Id", id);
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        if (attempt is { } a)
            request.Headers.Add("X-Timer-Attempt", a.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    private static string WindowAroundNow(string mode)
    {
        var now = (long)NowMs();
        return $"{now - 60_000}-{now + 600_000}:{mode}";
    }

    private static double NowMs() => (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;
}
