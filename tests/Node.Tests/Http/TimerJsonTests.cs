using System.Text;
using System.Text.Json;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Model;
using RaftTimers.Node.Http;

namespace RaftTimers.Node.Tests.Http;

/// <summary>A timer's JSON as GET /timer/{id} and the list give it (docs/api.md): every field, data kept as sent.</summary>
public sealed class TimerJsonTests
{
    private static JsonElement Write(TimerRecord timer)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
            TimerJson.Write(json, timer);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private static TimerRecord Timer(TimerData data, TimerStatus status = TimerStatus.Pending, string? lastError = null)
        => new("t-1", 3, status, 1_764_362_521_980, 1_764_362_523_980,
            new TimerSpec(2_000, new CallbackSpec("http", "post", "http://10.0.0.1:8080/hook"), data), 2, lastError, 0)
        {
            FiredAtIndex = 41,
            FireCount = 1,
        };

    [Fact]
    public void Every_field_of_the_contract_is_written()
    {
        var json = Write(Timer(new TimerData(TimerDataKind.Json, Encoding.UTF8.GetBytes("""{"n":1}""")), TimerStatus.Firing, "HTTP 503"));

        Assert.Equal("t-1", json.GetProperty("id").GetString());
        Assert.Equal("firing", json.GetProperty("state").GetString());
        Assert.Equal("2025-11-28T20:42:01.980Z", json.GetProperty("createdAt").GetString());
        Assert.Equal("2025-11-28T20:42:03.980Z", json.GetProperty("dueAt").GetString());
        Assert.Equal(2_000, json.GetProperty("timeout").GetInt64());
        Assert.Equal(1, json.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("http", json.GetProperty("callback").GetProperty("transport").GetString());
        Assert.Equal("post", json.GetProperty("callback").GetProperty("method").GetString());
        Assert.Equal("http://10.0.0.1:8080/hook", json.GetProperty("callback").GetProperty("uri").GetString());
        Assert.Equal(3, json.GetProperty("version").GetInt64());
        Assert.Equal(2, json.GetProperty("attempts").GetInt32());
        Assert.Equal(41, json.GetProperty("firedAtIndex").GetInt64());
        Assert.Equal(1, json.GetProperty("fireCount").GetInt32());
        Assert.Equal("HTTP 503", json.GetProperty("lastError").GetString());
    }

    [Fact]
    public void Text_data_is_a_string_no_data_is_null_and_no_error_is_null()
    {
        Assert.Equal("hello \"you\"", Write(Timer(new TimerData(TimerDataKind.Text, Encoding.UTF8.GetBytes("hello \"you\"")))).GetProperty("data").GetString());
        var empty = Write(Timer(TimerData.None));
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("data").ValueKind);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("lastError").ValueKind);
    }

    [Theory]
    [InlineData(0, "1970-01-01T00:00:00.000Z")]
    [InlineData(1_764_362_521_980, "2025-11-28T20:42:01.980Z")]
    [InlineData(253_402_300_799_999, "9999-12-31T23:59:59.999Z")]
    public void Times_are_rfc3339_utc_with_milliseconds(long unixMs, string expected)
        => Assert.Equal(expected, UtcTime.Rfc3339(unixMs));

    [Fact]
    public void A_timer_given_a_due_time_shows_it_as_dueAt_and_no_timeout()
    {
        var timer = Timer(TimerData.None) with
        {
            DueAtUnixMs = 1_798_794_000_000,
            Spec = TimerSpec.At(1_798_794_000_000, new CallbackSpec("http", "post", "http://10.0.0.1:8080/hook"), TimerData.None),
        };
        var json = Write(timer);
        Assert.Equal("2027-01-01T09:00:00.000Z", json.GetProperty("dueAt").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("timeout").ValueKind);
    }

    [Fact]
    public void Callback_headers_are_written_in_their_order_only_when_set()
    {
        var plain = Write(Timer(TimerData.None));
        Assert.False(plain.GetProperty("callback").TryGetProperty("headers", out _));

        var headers = TimerHeaders.TryCreate([new("X-Tenant", "acme"), new("Accept", "*/*")], allowCredentials: false, out _);
        var timer = Timer(TimerData.None);
        var json = Write(timer with { Spec = timer.Spec with { Headers = headers } });
        Assert.Equal(["X-Tenant", "Accept"], json.GetProperty("callback").GetProperty("headers").EnumerateObject().Select(p => p.Name));
        Assert.Equal("acme", json.GetProperty("callback").GetProperty("headers").GetProperty("X-Tenant").GetString());
    }
}
