using System.Net;
using System.Net.Sockets;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// What a receiver says about a failed callback reaches <c>lastError</c>, the log and the dashboard only as
/// printable text of bounded length: no escape sequences, no forged log lines, no reordered text.
/// </summary>
public sealed class ReceiverTextTests
{
    [Theory]
    [InlineData("bad\u001b[31mred\u001b[0m", "bad\\u001b[31mred\\u001b[0m")]
    [InlineData("line\nINFO forged line", "line\\u000aINFO forged line")]
    [InlineData("tab\there\u0007", "tab\\u0009here\\u0007")]
    [InlineData("abc\u202edcba", "abc\\u202edcba")]
    [InlineData("plain text, ünïcödé", "plain text, ünïcödé")]
    public void Control_and_bidi_characters_become_visible_escapes(string raw, string expected)
        => Assert.Equal(expected, ReceiverText.Clean(raw));

    [Fact]
    public void Long_text_is_cut_short()
    {
        var clean = ReceiverText.Clean(new string('x', 10_000));
        Assert.Equal(ReceiverText.MaxLength + 1, clean.Length);
        Assert.EndsWith("…", clean, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 503 busy\u001b]0;pwned\u0007 now\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("HTTP/1.1 500 Oops\r\nX-Evil: a\u001bb\u0001\r\nBroken line without colon \u001b[2J\r\n\r\n")]
    public async Task A_receivers_answer_ends_in_the_attempts_error_without_control_characters(string answer)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = GuardedDeliveryTests.AnswerOneRequestAsync(listener, answer);
        using var transport = new HttpCallbackTransport(new DeliveryOptions { AttemptTimeoutMs = 10_000 });
        var timer = new TimerRecord("evil", 1, TimerStatus.Firing, 0, 0,
            new TimerSpec(1000, new CallbackSpec("http", "post", $"http://127.0.0.1:{port}/hook"), TimerData.None), 0, null, 0);

        var result = await transport.SendAsync(timer, 1, CancellationToken.None);
        await serve;

        Assert.False(result.Succeeded);
        Assert.DoesNotContain(result.Error!, char.IsControl);
        Assert.True(result.Error!.Length <= ReceiverText.MaxLength + 1, result.Error);
    }
}
