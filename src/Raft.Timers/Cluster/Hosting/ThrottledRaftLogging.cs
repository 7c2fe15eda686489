using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging;

namespace RaftTimers.Cluster.Hosting;

/// <summary>
/// The logger factory handed to DotNext. While a member is down, DotNext warns on every replication round that it
/// is unavailable, each time with the whole stack trace of a refused connection: hundreds of lines a minute that
/// bury everything else. For the few repeating events in <see cref="NoisyEvents"/>, this lets the first warning
/// per event and member through, then at most one per <c>interval</c>, saying how many were held back, with the
/// exception's type and message instead of its stack. Every other event passes through untouched.
/// </summary>
public sealed class ThrottledRaftLogging(ILoggerFactory inner, TimeProvider clock, TimeSpan interval) : ILoggerFactory
{
    /// <summary>
    /// DotNext 6.12's repeating warnings: member unavailable, replication failed, request timed out, slow member. Its
    /// errors (a socket error, a request that failed on this node, e.g. a disk error) are never throttled.
    /// </summary>
    public static readonly FrozenSet<int> NoisyEvents = FrozenSet.ToFrozenSet([74010, 74015, 74022, 74044]);

    // Bounded: one window per (event, member); cleared wholesale should members churn through more than this.
    private const int MaxWindows = 1024;

    private readonly ConcurrentDictionary<(int EventId, string Subject), Window> windows = new();

    public ILogger CreateLogger(string categoryName) => new ThrottledLogger(inner.CreateLogger(categoryName), this);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The host owns the inner factory; nothing to release here.</summary>
    public void Dispose()
    {
    }

    /// <summary>Whether this occurrence is written, and how many like it were held back since the last one written.</summary>
    internal bool Admit(int eventId, string subject, out int heldBack)
    {
        if (windows.Count > MaxWindows)
            windows.Clear();
        var window = windows.GetOrAdd((eventId, subject), static _ => new Window());
        var now = clock.GetTimestamp();
        lock (window)
        {
            if (window.LastWritten is { } last && clock.GetElapsedTime(last, now) < interval)
            {
                window.HeldBack++;
                heldBack = 0;
                return false;
            }

            heldBack = window.HeldBack;
            window.HeldBack = 0;
            window.LastWritten = now;
            return true;
        }
    }

    internal string Describe(string message, int heldBack, Exception? exception)
    {
        if (heldBack > 0)
            message += $" ({heldBack} more like this since the last one shown)";
        return exception is null ? message : $"{message}: {exception.GetType().Name}: {exception.Message}";
    }

    private sealed class Window
    {
        public long? LastWritten;
        public int HeldBack;
    }

    private sealed class ThrottledLogger(ILogger inner, ThrottledRaftLogging owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!NoisyEvents.Contains(eventId.Id) || logLevel >= LogLevel.Error || !inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            if (!owner.Admit(eventId.Id, SubjectOf(state), out var heldBack))
                return;

            // The structured state is kept for structured sinks; only the rendered message changes.
            inner.Log(logLevel, eventId, state, null, (s, _) => owner.Describe(formatter(s, null), heldBack, exception));
        }

        /// <summary>The event's first argument (the member or remote endpoint), so each member is throttled on its own.</summary>
        private static string SubjectOf<TState>(TState state)
            => state is IReadOnlyList<KeyValuePair<string, object?>> { Count: > 0 } values && values[0].Key != "{OriginalFormat}"
                ? values[0].Value?.ToString() ?? ""
                : "";
    }
}
