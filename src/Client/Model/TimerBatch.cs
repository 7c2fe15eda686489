namespace RaftTimers.Client;

/// <summary>
/// Timers to create and ids to cancel in one request (docs/api.md, POST /timer/batch): the cluster decides them in one
/// log entry, creates first in their order, then cancels.
/// </summary>
public sealed class TimerBatch
{
    private readonly List<(string Id, TimerRequest Timer)> creates = [];
    private readonly List<string> cancels = [];

    public IReadOnlyList<(string Id, TimerRequest Timer)> Creates => creates;

    public IReadOnlyList<string> Cancels => cancels;

    /// <summary>How many items the batch holds.</summary>
    public int Count => creates.Count + cancels.Count;

    /// <summary>Adds a create; without <paramref name="id"/> the client makes one (a UUIDv7), so that the batch can be sent again.</summary>
    public TimerBatch Create(TimerRequest timer, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(timer);
        creates.Add((id ?? RaftTimersClient.NewId(), timer));
        return this;
    }

    public TimerBatch Cancel(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        cancels.Add(id);
        return this;
    }
}

/// <summary>
/// One item's result in a batch: <see cref="Status"/> is what the single write would have answered (201, 202, 400, 404,
/// 409, 413, 501, 503, 507), with the created timer's version and due time, or the reason it was not done.
/// </summary>
public sealed record TimerBatchResult
{
    /// <summary><c>create</c> or <c>cancel</c>.</summary>
    public required string Op { get; init; }

    public required string Id { get; init; }

    public required int Status { get; init; }

    public long? Version { get; init; }

    public DateTimeOffset? DueAt { get; init; }

    public string? Reason { get; init; }

    /// <summary>The item happened: created (or an identical create repeated) or cancelled.</summary>
    public bool Succeeded => Status is 201 or 202;
}
