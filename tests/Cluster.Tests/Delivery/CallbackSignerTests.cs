using System.Security.Cryptography;
using System.Text;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// Callbacks are signed the Standard Webhooks way: the spec's own example signs to the spec's value, every secret adds
/// one signature, a malformed secret stops the node at startup without being echoed, and a signed request's headers
/// cover exactly the body it sends.
/// </summary>
public sealed class CallbackSignerTests
{
    // The example of the Standard Webhooks specification (the signature section), independent of this code.
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecBody = "{\"test\": 2432232314}";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private const string Setting = "RaftTimers:Security:Callbacks:SigningSecrets";

    [Fact]
    public void The_specifications_example_signs_to_its_value()
    {
        var signer = CallbackSigner.FromSetting(SpecSecret, Setting)!;
        Assert.Equal(SpecSignature, signer.Sign(SpecId, SpecTimestamp, Encoding.UTF8.GetBytes(SpecBody)));
    }

    [Fact]
    public void Two_secrets_give_two_signatures_in_their_order()
    {
        var other = NewSecret();
        var both = CallbackSigner.FromSetting($"{SpecSecret}, {other}", Setting)!;
        var alone = CallbackSigner.FromSetting(other, Setting)!;
        var body = Encoding.UTF8.GetBytes(SpecBody);

        var parts = both.Sign(SpecId, SpecTimestamp, body).Split(' ');
        Assert.Equal([SpecSignature, alone.Sign(SpecId, SpecTimestamp, body)], parts);
    }

    [Fact]
    public void No_secret_means_unsigned_callbacks()
    {
        Assert.Null(CallbackSigner.FromSetting("", Setting));
        Assert.Null(CallbackSigner.FromSetting(" , ", Setting));
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [InlineData("whsec_not*base64!", "is not base64")]
    [InlineData("whsec_c2hvcnQ=", "holds 5 bytes")]
    public void A_malformed_secret_is_refused_naming_the_setting_but_not_the_secret(string secret, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => CallbackSigner.FromSetting(secret, Setting));
        Assert.StartsWith(Setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_two_secrets_are_refused()
    {
        var three = string.Join(',', NewSecret(), NewSecret(), NewSecret());
        var error = Assert.Throws<InvalidOperationException>(() => CallbackSigner.FromSetting(three, Setting));
        Assert.Contains("at most 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_secret_is_read_back_as_a_key_of_32_bytes()
    {
        var secret = NewSecret();
        Assert.NotNull(CallbackSigner.FromSetting(secret, Setting));
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
    }

    [Theory]
    [InlineData("post", TimerDataKind.Json, "{\"order\":42}", "{\"order\":42}")]
    [InlineData("put", TimerDataKind.Text, "cart-42", "cart-42")]
    [InlineData("post", TimerDataKind.None, "", "")]
    [InlineData("get", TimerDataKind.Text, "not sent on a GET", "")]
    public async Task A_signed_request_carries_the_idempotency_key_as_id_and_signs_the_body_it_sends(string method, TimerDataKind kind, string data, string sentBody)
    {
        var at = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var signer = CallbackSigner.FromSetting(SpecSecret, Setting)!;
        var timer = new TimerRecord("order-42", 3, TimerStatus.Firing, 0, 0,
            new TimerSpec(1000, new CallbackSpec("http", method, "http://127.0.0.1:9/hook"), new TimerData(kind, Encoding.UTF8.GetBytes(data))), 0, null, 0) { FiredAtIndex = 17 };

        using var request = HttpCallbackTransport.BuildRequest(timer, 2, signer, new FixedClock(at));

        Assert.Equal("order-42:3:17", Single(request, "webhook-id"));
        Assert.Equal(Single(request, "Idempotency-Key"), Single(request, "webhook-id"));
        Assert.Equal(at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Single(request, "webhook-timestamp"));
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync();
        Assert.Equal(sentBody, body);
        // Recomputed here from the spec's definition, not through the signer.
        var key = Convert.FromBase64String(SpecSecret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"order-42:3:17.{at.ToUnixTimeSeconds()}.{sentBody}")));
        Assert.Equal(expected, Single(request, "webhook-signature"));
    }

    [Fact]
    public void Without_a_signer_no_webhook_headers_are_sent()
    {
        var timer = new TimerRecord("plain", 1, TimerStatus.Firing, 0, 0,
            new TimerSpec(1000, new CallbackSpec("http", "post", "http://127.0.0.1:9/hook"), TimerData.None), 0, null, 0) { FiredAtIndex = 5 };

        using var request = HttpCallbackTransport.BuildRequest(timer, 1, null, TimeProvider.System);

        Assert.DoesNotContain(request.Headers, h => h.Key.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("plain:1:5", Single(request, "Idempotency-Key"));
    }

    [Fact]
    public void A_timers_own_headers_go_with_the_request_beside_the_nodes()
    {
        var headers = TimerHeaders.TryCreate([new("X-Tenant", "acme"), new("Authorization", "Bearer t")], allowCredentials: true, out _);
        var timer = new TimerRecord("h", 2, TimerStatus.Firing, 0, 0,
            new TimerSpec(1000, new CallbackSpec("http", "post", "http://127.0.0.1:9/hook"), TimerData.None) { Headers = headers }, 0, null, 0) { FiredAtIndex = 9 };

        using var request = HttpCallbackTransport.BuildRequest(timer, 1, null, TimeProvider.System);

        Assert.Equal("acme", Single(request, "X-Tenant"));
        Assert.Equal("Bearer t", request.Headers.Authorization!.ToString());
        Assert.Equal("h:2:9", Single(request, "Idempotency-Key"));
    }

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string Single(HttpRequestMessage request, string header) => Assert.Single(request.Headers.GetValues(header));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
