using System.Text;
using RaftTimers.Client.Receiving;

namespace RaftTimers.Client.Tests;

/// <summary>
/// The receiver's side of signed callbacks and at-least-once delivery: a signature is accepted only for its own id,
/// timestamp and body under a secret the receiver holds, within the time tolerance; a key is handled once while it
/// is remembered, and memory stays bounded.
/// </summary>
public sealed class ReceivingTests
{
    // The example of the Standard Webhooks specification (the signature section).
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string SpecTimestamp = "1614265330";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] SpecBody = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
    private static readonly DateTimeOffset SpecTime = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    private static CallbackVerifier Verifier(TimeSpan offset, params string[] secrets)
        => new(secrets, clock: new HandClock(SpecTime + offset));

    [Fact]
    public void The_specifications_example_is_valid()
        => Assert.Equal(CallbackCheck.Valid, Verifier(TimeSpan.Zero, SpecSecret).Verify(SpecId, SpecTimestamp, SpecSignature, SpecBody));

    [Fact]
    public void A_changed_body_id_or_timestamp_or_another_secret_is_a_bad_signature()
    {
        var verifier = Verifier(TimeSpan.Zero, SpecSecret);
        Assert.Equal(CallbackCheck.BadSignature, verifier.Verify(SpecId, SpecTimestamp, SpecSignature, Encoding.UTF8.GetBytes("{\"test\": 2432232315}")));
        Assert.Equal(CallbackCheck.BadSignature, verifier.Verify(SpecId + "x", SpecTimestamp, SpecSignature, SpecBody));
        Assert.Equal(CallbackCheck.BadSignature, verifier.Verify(SpecId, "1614265331", SpecSignature, SpecBody));
        Assert.Equal(CallbackCheck.BadSignature, Verifier(TimeSpan.Zero, "whsec_" + Convert.ToBase64String(new byte[32]))
            .Verify(SpecId, SpecTimestamp, SpecSignature, SpecBody));
        Assert.Equal(CallbackCheck.BadSignature, verifier.Verify(SpecId, SpecTimestamp, "v1,not-base64 v2,abc", SpecBody));
    }

    [Fact]
    public void During_a_rotation_either_secret_verifies_a_callback_signed_with_both()
    {
        var next = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        // The node signs with both: the old signature first, then one under the next secret, which the receiver holds alone.
        var signedWithBoth = $"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= {SpecSignature}";
        Assert.Equal(CallbackCheck.Valid, Verifier(TimeSpan.Zero, next, SpecSecret).Verify(SpecId, SpecTimestamp, signedWithBoth, SpecBody));
        Assert.Equal(CallbackCheck.Valid, Verifier(TimeSpan.Zero, SpecSecret).Verify(SpecId, SpecTimestamp, signedWithBoth, SpecBody));
        Assert.Equal(CallbackCheck.BadSignature, Verifier(TimeSpan.Zero, next).Verify(SpecId, SpecTimestamp, signedWithBoth, SpecBody));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    public void A_timestamp_outside_the_tolerance_is_refused_even_when_the_signature_holds(int secondsOff)
        => Assert.Equal(CallbackCheck.BadTimestamp,
            Verifier(TimeSpan.FromSeconds(secondsOff), SpecSecret).Verify(SpecId, SpecTimestamp, SpecSignature, SpecBody));

    [Fact]
    public void A_timestamp_within_the_tolerance_is_accepted()
        => Assert.Equal(CallbackCheck.Valid, Verifier(TimeSpan.FromSeconds(299), SpecSecret).Verify(SpecId, SpecTimestamp, SpecSignature, SpecBody));

    [Theory]
    [InlineData(null, SpecTimestamp, SpecSignature, CallbackCheck.MissingHeaders)]
    [InlineData(SpecId, "", SpecSignature, CallbackCheck.MissingHeaders)]
    [InlineData(SpecId, SpecTimestamp, null, CallbackCheck.MissingHeaders)]
    [InlineData(SpecId, "-1614265330", SpecSignature, CallbackCheck.BadTimestamp)]
    [InlineData(SpecId, "16142653300000000000000", SpecSignature, CallbackCheck.BadTimestamp)]
    public void Missing_or_unreadable_headers_are_named(string? id, string? timestamp, string? signature, CallbackCheck expected)
        => Assert.Equal(expected, Verifier(TimeSpan.Zero, SpecSecret).Verify(id, timestamp, signature, SpecBody));

    [Fact]
    public void A_verifier_needs_a_well_formed_secret()
    {
        Assert.Throws<ArgumentException>(() => new CallbackVerifier([]));
        Assert.Throws<ArgumentException>(() => new CallbackVerifier(["whsec_***"]));
    }

    [Fact]
    public void A_key_is_handled_once_while_remembered_and_again_after_it_expired()
    {
        var clock = new HandClock(SpecTime);
        var seen = new SeenCallbacks(TimeSpan.FromMinutes(10), clock: clock);

        Assert.True(seen.FirstTime("order-7:1:42"));
        Assert.False(seen.FirstTime("order-7:1:42"));
        Assert.True(seen.FirstTime("order-7:2:57"));

        clock.Now += TimeSpan.FromMinutes(10);
        Assert.True(seen.FirstTime("order-7:1:42"));
        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public void A_forgotten_key_is_handled_again_and_its_old_entry_does_not_drop_the_new_one()
    {
        var clock = new HandClock(SpecTime);
        var seen = new SeenCallbacks(TimeSpan.FromMinutes(10), clock: clock);
        Assert.True(seen.FirstTime("a"));
        seen.Forget("a");
        clock.Now += TimeSpan.FromMinutes(5);
        Assert.True(seen.FirstTime("a"));

        // The first entry's expiry passes: the second, five minutes younger, still holds.
        clock.Now += TimeSpan.FromMinutes(6);
        Assert.False(seen.FirstTime("a"));
    }

    [Fact]
    public void At_capacity_the_oldest_key_is_dropped()
    {
        var seen = new SeenCallbacks(TimeSpan.FromHours(1), capacity: 3, clock: new HandClock(SpecTime));
        foreach (var key in new[] { "a", "b", "c", "d" })
            Assert.True(seen.FirstTime(key));

        Assert.Equal(3, seen.Count);
        Assert.False(seen.FirstTime("d"));
        Assert.True(seen.FirstTime("a"));
    }

    private sealed class HandClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
