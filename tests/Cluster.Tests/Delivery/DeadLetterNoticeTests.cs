using System.Text;
using System.Text.Json;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// The dead-letter notice of a failed timer (docs/api.md, "Dead letters"): what its JSON says of the firing, and the
/// request the http transport makes of it: the target's method and URI, the notice's own key, signed over the notice,
/// and none of the timer's headers.
/// </summary>
public sealed class DeadLetterNoticeTests
{
    private static TimerRecord Failed(TimerData data, int occurrence = 0, int redrives = 0)
    {
        var headers = TimerHeaders.TryCreate([new("X-Tenant", "acme")], allowCredentials: false, out _)!;
        var spec = new TimerSpec(0, new CallbackSpec("http", "put", "https://orders.example/expire/ü"), data)
        {
            Headers = headers,
            DeadLetter = new CallbackSpec("http", "patch", "https://ops.example/failures"),
        };
        return new TimerRecord("order-42", 3, TimerStatus.Failed, 1_000, 1_800_000_000_000, spec, 5, "HTTP 500 Internal Server Error", 1_800_000_012_345)
        {
            FiredAtIndex = 1042, Occurrence = occurrence, Redrives = redrives, DeadLetter = DeadLetterState.Pending,
        };
    }

    [Fact]
    public void The_notice_names_the_firing_that_failed_and_carries_its_data()
    {
        using var notice = JsonDocument.Parse(DeadLetterNotice.Body(Failed(new TimerData(TimerDataKind.Json, "{\"order\":[4,2]}"u8.ToArray()))));
        var body = notice.RootElement;

        Assert.Equal(
            """{"type":"timer.failed","id":"order-42","version":3,"idempotencyKey":"order-42:3:1042","run":0,"callback":{"transport":"http","method":"put","uri":"https://orders.example/expire/\u00FC"},"dueAt":"2027-01-15T08:00:00.000Z","failedAt":"2027-01-15T08:00:12.345Z","attempts":5,"lastError":"HTTP 500 Internal Server Error","data":{"order":[4,2]}}""",
            body.GetRawText());
    }

    [Theory]
    [InlineData(TimerDataKind.Text, "plain \"text\"", "\"plain \\u0022text\\u0022\"")]
    [InlineData(TimerDataKind.None, "", "null")]
    public void Text_data_is_a_json_string_and_none_is_null(TimerDataKind kind, string data, string expected)
    {
        using var notice = JsonDocument.Parse(DeadLetterNotice.Body(Failed(new TimerData(kind, Encoding.UTF8.GetBytes(data)))));
        Assert.Equal(expected, notice.RootElement.GetProperty("data").GetRawText());
        Assert.Equal(data, kind == TimerDataKind.None ? "" : notice.RootElement.GetProperty("data").GetString());
    }

    [Fact]
    public void A_repeating_timers_notice_names_its_occurrence_and_each_runs_notice_has_its_own_key()
    {
        var record = DeadLetterNotice.For(Failed(TimerData.None, occurrence: 7, redrives: 2));
        using var notice = JsonDocument.Parse(record.Spec.Data.Utf8);

        Assert.Equal(("order-42:3:7", 7, 2), (notice.RootElement.GetProperty("idempotencyKey").GetString(),
            notice.RootElement.GetProperty("occurrence").GetInt32(), notice.RootElement.GetProperty("run").GetInt32()));
        Assert.Equal("order-42:3:7:dead-letter:2", record.IdempotencyKey);
        Assert.Equal("order-42:3:7", record.FiringKey);
    }

    [Fact]
    public async Task The_http_request_goes_to_the_target_with_the_notices_key_signed_and_without_the_timers_headers()
    {
        var failed = Failed(new TimerData(TimerDataKind.Text, "hello"u8.ToArray()));
        var signer = CallbackSigner.FromSetting("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "setting")!;
        using var request = HttpCallbackTransport.BuildRequest(DeadLetterNotice.For(failed), 2, signer, TimeProvider.System);

        Assert.Equal((HttpMethod.Patch, "https://ops.example/failures"), (request.Method, request.RequestUri!.ToString()));
        Assert.Equal("order-42:3:1042:dead-letter:0", request.Headers.GetValues("Idempotency-Key").Single());
        Assert.Equal("order-42:3:1042:dead-letter:0", request.Headers.GetValues("webhook-id").Single());
        Assert.Equal(("order-42", "2"), (request.Headers.GetValues("X-Timer-Id").Single(), request.Headers.GetValues("X-Timer-Attempt").Single()));
        Assert.False(request.Headers.Contains("X-Tenant"));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var sent = await request.Content.ReadAsByteArrayAsync();
        Assert.Equal(DeadLetterNotice.Body(failed), sent);
        var timestamp = long.Parse(request.Headers.GetValues("webhook-timestamp").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(signer.Sign("order-42:3:1042:dead-letter:0", timestamp, sent), request.Headers.GetValues("webhook-signature").Single());
    }

    [Fact]
    public void A_timer_without_a_target_has_no_notice()
        => Assert.Throws<ArgumentException>(() => DeadLetterNotice.For(Failed(TimerData.None) with { Spec = Failed(TimerData.None).Spec with { DeadLetter = null } }));
}
