using Microsoft.Extensions.Logging;
using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Forwarding;

/// <summary>
/// A follower's forwarding: one <see cref="ForwardingConnection"/> per leader it has forwarded to, opened on first use
/// through <c>connect</c> (which returns a stream already speaking <see cref="ForwardingFrames.Protocol"/>) and opened
/// again after it breaks. Every write a follower's clients send goes through here; no write is re-sent by this class.
/// </summary>
/// <remarks>
/// A connection whose sent writes go unanswered for <c>answerTimeout</c> is broken and replaced (see
/// <see cref="ForwardingConnection"/>). A connection that could not be opened is not tried again for <see cref="RetryAfterFailedOpen"/>: while a leader is
/// unreachable, every request waiting for it would otherwise dial it again.
/// </remarks>
public sealed partial class ForwardingClient(Func<Uri, CancellationToken, Task<Stream>> connect, TimeSpan connectTimeout, TimeSpan answerTimeout,
    TimeProvider clock, ILogger<ForwardingClient> logger) : IAsyncDisposable
{
    public static readonly TimeSpan RetryAfterFailedOpen = TimeSpan.FromMilliseconds(100);

    private readonly Lock gate = new();
    private readonly Dictionary<string, Opening> connections = new(StringComparer.Ordinal);
    private bool disposed;

    public ForwardingCounters Counters { get; } = new();

    /// <summary>
    /// Sends <paramref name="command"/> to the leader whose API is at <paramref name="leader"/> (its base URL) and returns its answer. Throws
    /// <see cref="ForwardingException"/> when no answer came (its <c>MayHaveRun</c> says whether the command left this
    /// node), and <see cref="ForwardingCanceledException"/> when <paramref name="token"/> fired first.
    /// </summary>
    public async Task<ForwardedAnswer> SendAsync(string leader, TimerCommand command, CancellationToken token)
    {
        ForwardingConnection connection;
        try
        {
            connection = await ConnectionTo(leader).WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new ForwardingCanceledException(mayHaveRun: false, token);
        }
        catch (Exception e) when (e is not ForwardingException)
        {
            throw new ForwardingException($"cannot open a forwarding connection to the leader at {leader} ({e.GetType().Name}: {e.Message})", mayHaveRun: false, e);
        }

        return await connection.SendAsync(command, token).ConfigureAwait(false);
    }

    /// <summary>The open connection to <paramref name="leader"/>, or one being opened; a broken or failed one is replaced.</summary>
    private Task<ForwardingConnection> ConnectionTo(string leader)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (connections.TryGetValue(leader, out var known))
            {
                var task = known.Task;
                if (!task.IsCompleted || (task.IsCompletedSuccessfully && task.Result.BrokenReason is null))
                    return task;
                if (!task.IsCompletedSuccessfully && clock.GetElapsedTime(known.StartedTimestamp) < RetryAfterFailedOpen)
                    return task;
            }

            var opening = new Opening(OpenAsync(leader), clock.GetTimestamp());
            connections[leader] = opening;
            return opening.Task;
        }
    }

    private async Task<ForwardingConnection> OpenAsync(string leader)
    {
        using var timeout = new CancellationTokenSource(connectTimeout, clock);
        try
        {
            var stream = await connect(new Uri(leader), timeout.Token).ConfigureAwait(false);
            LogOpened(leader);
            return new ForwardingConnection(stream, Counters, answerTimeout, clock, Forget);
        }
        catch (Exception e)
        {
            LogOpenFailed(leader, e.GetType().Name, e.Message);
            throw;
        }
    }

    /// <summary>A connection that broke is closed at once, not when its leader is next written to: that may be never.</summary>
    private void Forget(ForwardingConnection connection)
    {
        lock (gate)
        {
            foreach (var (leader, opening) in connections)
            {
                if (opening.Task.IsCompletedSuccessfully && ReferenceEquals(opening.Task.Result, connection))
                {
                    connections.Remove(leader);
                    break;
                }
            }
        }

        _ = Task.Run(() => CloseAsync(connection));
    }

    private async Task CloseAsync(ForwardingConnection connection)
    {
        LogClosed(connection.BrokenReason ?? "replaced");
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<Opening> open;
        lock (gate)
        {
            disposed = true;
            open = [.. connections.Values];
            connections.Clear();
        }

        foreach (var (task, _) in open)
        {
            await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (task.IsCompletedSuccessfully)
                await task.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private readonly record struct Opening(Task<ForwardingConnection> Task, long StartedTimestamp);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Forwarding writes to the leader at {Leader} over one connection")]
    private partial void LogOpened(string leader);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Cannot open a forwarding connection to {Leader}: {Error}: {Message}")]
    private partial void LogOpenFailed(string leader, string error, string message);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Forwarding connection closed: {Reason}")]
    private partial void LogClosed(string reason);
}
