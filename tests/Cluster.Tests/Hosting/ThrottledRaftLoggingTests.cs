using System.Net;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Hosting;

namespace RaftTimers.Tests.Raft;

/// <summary>DotNext's repeating warnings are throttled per event and member; everything else passes untouched.</summary>
public sealed class ThrottledRaftLoggingTests
{
    // The same shape DotNext's source-generated message has: event 74010 with the member as its first argument.
    private static readonly Action<ILogger, EndPoint, Exception?> MemberUnavailable =
        LoggerMessage.Define<EndPoint>(LogLevel.Warning, new EventId(74010, "DotNext.Net.Cluster.MemberUnavailable"), "Cluster member {Member} is unavailable");

    private static readonly Action<ILogger, long, Exception?> Elected =
        LoggerMessage.Define<long>(LogLevel.Information, new EventId(74001, "Elected"), "Elected in term {Term}");

    private static readonly EndPoint A = new IPEndPoint(IPAddress.Loopback, 9001);
    private static readonly EndPoint B = new IPEndPoint(IPAddress.Loopback, 9002);

    private sealed record Written(LogLevel Level, int EventId, string Message, Exception? Exception, object? State);

    private sealed class Capture : ILoggerFactory, ILogger
    {
        public List<Written> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Lines.Add(new Written(logLevel, eventId.Id, formatter(state, exception), exception, state));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long ticks = 1_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ticks;

        public void Advance(TimeSpan by) => ticks += by.Ticks;
    }

    [Fact]
    public void A_repeating_warning_is_written_once_per_interval_per_member_with_the_count_held_back_and_no_stack()
    {
        var capture = new Capture();
        var clock = new ManualClock();
        var logger = new ThrottledRaftLogging(capture, clock, TimeSpan.FromSeconds(10)).CreateLogger("DotNext");
        var refused = new InvalidOperationException("Connection refused");

        for (var i = 0; i < 50; i++)
        {
            MemberUnavailable(logger, A, refused);
            clock.Advance(TimeSpan.FromMilliseconds(150));
        }

        MemberUnavailable(logger, B, refused); // another member is not held back by A's window

        // 50 warnings over 7.5 s for A: only the first is written. After the interval, the next one says how many were held back.
        clock.Advance(TimeSpan.FromSeconds(3));
        MemberUnavailable(logger, A, refused);

        Assert.Equal(3, capture.Lines.Count);
        Assert.Equal("Cluster member 127.0.0.1:9001 is unavailable: InvalidOperationException: Connection refused", capture.Lines[0].Message);
        Assert.Null(capture.Lines[0].Exception);
        Assert.Equal("Cluster member 127.0.0.1:9002 is unavailable: InvalidOperationException: Connection refused", capture.Lines[1].Message);
        Assert.Equal("Cluster member 127.0.0.1:9001 is unavailable (49 more like this since the last one shown): InvalidOperationException: Connection refused", capture.Lines[2].Message);
        Assert.All(capture.Lines, l => Assert.Equal(74010, l.EventId));
        Assert.All(capture.Lines, l => Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, object?>>>(l.State)); // still structured
    }

    [Fact]
    public void Other_events_pass_through_untouched_however_often()
    {
        var capture = new Capture();
        var logger = new ThrottledRaftLogging(capture, new ManualClock(), TimeSpan.FromSeconds(10)).CreateLogger("DotNext");
        var error = new InvalidOperationException("boom");
        for (var i = 0; i < 20; i++)
            Elected(logger, i, error);

        Assert.Equal(20, capture.Lines.Count);
        Assert.All(capture.Lines, l => Assert.Same(error, l.Exception));
        Assert.Equal("Elected in term 19", capture.Lines[^1].Message);
    }
}
