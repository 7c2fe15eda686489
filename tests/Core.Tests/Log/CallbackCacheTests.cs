using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>Timers share one callback object per distinct callback; sharing never changes a value and stays bounded.</summary>
public sealed class CallbackCacheTests
{
    [Fact]
    public void Equal_callbacks_become_one_shared_object_and_different_ones_do_not()
    {
        var cache = new CallbackCache();
        var a = cache.Share("http", "post", "http://example.com/one"u8);
        var b = cache.Share("http", "post", "http://example.com/one"u8);
        var c = cache.Share("http", "post", "http://example.com/two"u8);
        var d = cache.Share("http", "put", "http://example.com/one"u8);

        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.Equal("http://example.com/two", c.Uri);
        Assert.NotSame(a, d);
        Assert.Equal("put", d.Method);
    }

    [Fact]
    public void It_never_holds_more_than_its_capacity_and_keeps_answering_with_equal_values()
    {
        var cache = new CallbackCache();
        for (var i = 0; i < (CallbackCache.Capacity * 2) + 50; i++)
        {
            var uri = $"http://example.com/{i}";
            Assert.Equal(uri, cache.Share("http", "post", System.Text.Encoding.UTF8.GetBytes(uri)).Uri);
            Assert.InRange(cache.Count, 1, CallbackCache.Capacity);
        }
    }

    [Fact]
    public void Decoded_callbacks_with_their_own_uris_share_the_transport_and_method_strings()
    {
        var commands = Enumerable.Range(0, 3)
            .Select(i => (TimerCommand)new CreateTimer($"t{i}", Specs.Http(1000, $"http://decode.example/cb/{i}", method: "put")))
            .ToList();

        var callbacks = LogEntryCodec.Decode(LogEntryCodec.Encode(1, commands)).Commands.Select(c => ((CreateTimer)c).Spec.Callback).ToList();

        Assert.All(callbacks, c => Assert.Same(callbacks[0].Transport, c.Transport));
        Assert.All(callbacks, c => Assert.Same(callbacks[0].Method, c.Method));
        Assert.Equal("put", callbacks[2].Method);
        Assert.Null(CallbackCache.Name("smtp"u8));
    }

    [Fact]
    public void Decoded_timers_carry_their_own_callback_values()
    {
        var commands = Enumerable.Range(0, 20)
            .Select(i => (TimerCommand)new CreateTimer($"t{i}", Specs.Http(1000, $"http://decode.example/{i % 3}", method: i % 2 == 0 ? "post" : "put")))
            .ToList();

        var decoded = LogEntryCodec.Decode(LogEntryCodec.Encode(1, commands)).Commands;

        Assert.Equal(commands.Select(c => ((CreateTimer)c).Spec.Callback), decoded.Select(c => ((CreateTimer)c).Spec.Callback));
    }
}
