using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RaftTimers.Client.Transport;

namespace RaftTimers.Client;

/// <summary>
/// The timer API of a RaftTimers cluster (docs/api.md) through any of its nodes. Each call goes to the first node that
/// answers; which calls are repeated on the next node after one was reached, and what an unanswered write reports, is
/// the rule of docs/client.md: reads and creates (which always carry an id) are repeated, replaces and cancels are
/// not. A node's error answer is thrown as a <see cref="TimerApiException"/> of the matching subclass.
/// </summary>
public sealed class RaftTimersClient : IDisposable
{
    private readonly HttpClient? owned;
    private readonly RaftTimersClientOptions options;
    private readonly NodeFailover nodes;

    /// <summary>A client with its own connection pool, disposed with it.</summary>
    public RaftTimersClient(RaftTimersClientOptions options)
        : this(new HttpClient(NodeFailover.CreateHandler(Checked(options))) { Timeout = Timeout.InfiniteTimeSpan }, options)
    {
        owned = Http;
    }

    /// <summary>A client over an <see cref="HttpClient"/> the caller owns; its own timeout should be infinite (the options' timeouts apply).</summary>
    public RaftTimersClient(HttpClient http, RaftTimersClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        this.options = Checked(options);
        Http = http;
        nodes = new NodeFailover(http, options);
    }

    /// <summary>The typed client that <see cref="RaftTimersClientServiceCollectionExtensions.AddRaftTimersClient"/> registers.</summary>
    [ActivatorUtilitiesConstructor]
    public RaftTimersClient(HttpClient http, IOptions<RaftTimersClientOptions> options)
        : this(http, options.Value)
    {
    }

    public IReadOnlyList<Uri> Nodes => options.Nodes;

    private HttpClient Http { get; }

    /// <summary>
    /// Creates a timer: POST /timer, answered once the create is committed on a majority. Without <paramref name="id"/>
    /// the client makes one (unless <see cref="RaftTimersClientOptions.ClientMadeIds"/> is off), so that a create that
    /// got no answer is sent again, to the next node, as the idempotent retry the API defines.
    /// </summary>
    /// <exception cref="TimerConflictException">A timer with this id exists with another body.</exception>
    /// <exception cref="TimerOutcomeUnknownException">No node answered after the create was sent; repeat it with the exception's id.</exception>
    public async Task<TimerReceipt> CreateAsync(TimerRequest timer, string? id = null, CancellationToken cancellation = default)
    {
        id ??= options.ClientMadeIds ? NewId() : null;
        var answer = await nodes.SendAsync(HttpMethod.Post, TimerApiProtocol.TimersPath, options.ApiToken, TimerApiProtocol.Body(timer), id,
            repeatable: id is not null, id, cancellation).ConfigureAwait(false);
        return Receipt(Succeeded(answer, id));
    }

    /// <summary>
    /// Replaces a pending timer's delay (counted from now), data and callback: PUT /timer/{id}. With
    /// <paramref name="expectedVersion"/> only that version is replaced. Not repeated on another node once sent: a
    /// second replace would move the due time and the version again.
    /// </summary>
    /// <exception cref="TimerNotFoundException">No pending timer has this id.</exception>
    /// <exception cref="TimerVersionMismatchException">The timer is not at <paramref name="expectedVersion"/>.</exception>
    public async Task<TimerReceipt> ReplaceAsync(string id, TimerRequest timer, long? expectedVersion = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var answer = await nodes.SendAsync(HttpMethod.Put, TimerApiProtocol.TimerPath(id), options.ApiToken, TimerApiProtocol.Body(timer), null,
            repeatable: false, id, cancellation, expectedVersion).ConfigureAwait(false);
        return Receipt(Succeeded(answer, id));
    }

    /// <summary>
    /// Cancels a timer: DELETE /timer/{id}. Once this returns, the callback is never delivered. Not repeated on another
    /// node once sent: a repeat long after could cancel a new timer that reuses the id.
    /// </summary>
    /// <exception cref="TimerNotFoundException">The id is unknown, or the timer fired.</exception>
    public async Task CancelAsync(string id, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Succeeded(await nodes.SendAsync(HttpMethod.Delete, TimerApiProtocol.TimerPath(id), options.ApiToken, null, null,
            repeatable: false, id, cancellation).ConfigureAwait(false), id);
    }

    /// <summary>
    /// Pauses a pending timer (POST /timer/{id}/pause): it does not fire until resumed. Pausing a paused timer succeeds
    /// again, so the call is repeated on the next node when one took it and did not answer.
    /// </summary>
    /// <exception cref="TimerNotFoundException">No pending or paused timer has this id.</exception>
    public Task<TimerReceipt> PauseAsync(string id, CancellationToken cancellation = default) => HoldAsync(id, "pause", cancellation);

    /// <summary>Resumes a paused timer (POST /timer/{id}/resume): it fires at its due time, or at once when that passed. Repeated like a pause.</summary>
    /// <exception cref="TimerNotFoundException">No pending or paused timer has this id.</exception>
    public Task<TimerReceipt> ResumeAsync(string id, CancellationToken cancellation = default) => HoldAsync(id, "resume", cancellation);

    /// <summary>
    /// Delivers a failed timer again (POST /timer/{id}/retry, a re-drive): the same firing, with fresh attempts and the
    /// same Idempotency-Key. Not repeated on another node: a second re-drive while it fires is a 404.
    /// </summary>
    /// <exception cref="TimerNotFoundException">No failed timer has this id.</exception>
    /// <exception cref="TimerOutcomeUnknownException">No node answered after the request was sent; see its state with <see cref="GetAsync"/>.</exception>
    public Task<TimerReceipt> RetryAsync(string id, CancellationToken cancellation = default) => HoldAsync(id, "retry", cancellation, repeatable: false);

    private async Task<TimerReceipt> HoldAsync(string id, string action, CancellationToken cancellation, bool repeatable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var answer = await nodes.SendAsync(HttpMethod.Post, $"{TimerApiProtocol.TimerPath(id)}/{action}", options.ApiToken, "{}"u8.ToArray(), null,
            repeatable, id, cancellation).ConfigureAwait(false);
        return Read<TimerReceipt>(Succeeded(answer, id));
    }

    /// <summary>
    /// Creates and cancels the batch's timers in one request and one log entry: POST /timer/batch. Each item has its own
    /// result, in the order creates then cancels; an item's failure is in its result, not an exception. A batch of
    /// creates only is sent again to the next node when one took it and did not answer (each create carries its id); one
    /// with cancels is not, as a single cancel is not.
    /// </summary>
    /// <exception cref="TimerOutcomeUnknownException">No node answered after the batch was sent.</exception>
    public async Task<IReadOnlyList<TimerBatchResult>> BatchAsync(TimerBatch batch, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var answer = await nodes.SendAsync(HttpMethod.Post, TimerApiProtocol.BatchPath, options.ApiToken, TimerApiProtocol.BatchBody(batch), null,
            repeatable: batch.Cancels.Count == 0, null, cancellation).ConfigureAwait(false);
        return Read<TimerBatchWire>(Succeeded(answer, null)).Results ?? [];
    }

    /// <summary>A timer as the cluster holds it (GET /timer/{id}, read through the leader), or null when there is none.</summary>
    public async Task<TimerInfo?> GetAsync(string id, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var answer = await nodes.SendAsync(HttpMethod.Get, TimerApiProtocol.TimerPath(id), options.ApiToken, null, null,
            repeatable: true, null, cancellation).ConfigureAwait(false);
        return answer.Status == HttpStatusCode.NotFound ? null : Read<TimerInfo>(Succeeded(answer, null));
    }

    /// <summary>One page of timers in id order (GET /timer), starting after <paramref name="after"/> (default: the query's).</summary>
    public async Task<TimerPage> ListAsync(TimerQuery? query = null, string? after = null, CancellationToken cancellation = default)
    {
        query ??= new TimerQuery();
        var answer = await nodes.SendAsync(HttpMethod.Get, TimerApiProtocol.ListPath(query, after ?? query.After), options.ApiToken, null, null,
            repeatable: true, null, cancellation).ConfigureAwait(false);
        var page = Read<TimerPageWire>(Succeeded(answer, null));
        return page.Timers is null
            ? throw new UnexpectedAnswerException(answer.Node, (int)answer.Status, $"{answer.Node} answered the list without timers: {answer.Body}")
            : new TimerPage(page.Timers, page.Next);
    }

    /// <summary>Every page of the query in turn; each continues after the last id of the one before, so no cursor is held on the server.</summary>
    public async IAsyncEnumerable<TimerPage> ListPagesAsync(TimerQuery? query = null, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        query ??= new TimerQuery(limit: TimerQuery.MaxLimit);
        var after = query.After;
        do
        {
            var page = await ListAsync(query, after, cancellation).ConfigureAwait(false);
            yield return page;
            after = page.Next;
        }
        while (after is not null);
    }

    /// <summary>Every timer the query selects, a page at a time.</summary>
    public async IAsyncEnumerable<TimerInfo> ListAllAsync(TimerQuery? query = null, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await foreach (var page in ListPagesAsync(query, cancellation).ConfigureAwait(false))
        {
            foreach (var timer in page.Timers)
                yield return timer;
        }
    }

    /// <summary>
    /// The timers' lifecycle events as they are applied (GET /events), until <paramref name="cancellation"/> ends the
    /// stream. A broken stream goes on from the last event on the next node, so each event comes once, in log order.
    /// </summary>
    /// <exception cref="EventsGoneException">The node no longer keeps the events after <see cref="EventQuery.After"/>.</exception>
    /// <exception cref="NoNodeAnsweredException">No node could be reached, a whole round of them.</exception>
    public IAsyncEnumerable<TimerLifecycleEvent> EventsAsync(EventQuery? query = null, CancellationToken cancellation = default)
        => Events.EventStream.ReadAsync(Http, options, query ?? new EventQuery(), cancellation);

    /// <summary>The cluster as the first node that answers sees it (GET /cluster): members, leader, term, indexes.</summary>
    public async Task<ClusterDocument> GetClusterAsync(CancellationToken cancellation = default)
    {
        var answer = Succeeded(await nodes.SendAsync(HttpMethod.Get, TimerApiProtocol.ClusterPath, null, null, null,
            repeatable: true, null, cancellation).ConfigureAwait(false), null);
        return new ClusterDocument(answer.Node, Read<JsonElement>(answer));
    }

    /// <summary>
    /// Adds a member that runs in join mode (POST /cluster/members with the admin token), answered once it caught up and
    /// the configuration with it is committed. Repeating a done addition answers again, so the caller may retry it.
    /// </summary>
    public async Task<ClusterDocument> AddMemberAsync(string raftAddress, Uri apiUrl, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(raftAddress);
        ArgumentNullException.ThrowIfNull(apiUrl);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["raft"] = raftAddress, ["api"] = apiUrl.OriginalString });
        var answer = Succeeded(await nodes.SendAsync(HttpMethod.Post, TimerApiProtocol.MembersPath, options.AdminToken, body, null,
            repeatable: false, null, cancellation).ConfigureAwait(false), null);
        return new ClusterDocument(answer.Node, Read<JsonElement>(answer));
    }

    /// <summary>Removes a member by node id or Raft address (DELETE /cluster/members/{id}), committed before the answer.</summary>
    public async Task<ClusterDocument> RemoveMemberAsync(string member, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(member);
        var answer = Succeeded(await nodes.SendAsync(HttpMethod.Delete, TimerApiProtocol.MemberPath(member), options.AdminToken, null, null,
            repeatable: false, null, cancellation).ConfigureAwait(false), null);
        return new ClusterDocument(answer.Node, Read<JsonElement>(answer));
    }

    public void Dispose() => owned?.Dispose();

    /// <summary>
    /// A time-ordered UUID (v7) in text form: ids made close in time sort close together, so new ids append to the
    /// server's sorted id index as the ids it makes itself do.
    /// </summary>
    public static string NewId() => Guid.CreateVersion7().ToString();

    private static RaftTimersClientOptions Checked(RaftTimersClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    private static NodeAnswer Succeeded(NodeAnswer answer, string? timerId)
        => answer.IsSuccess ? answer : throw TimerApiException.For(answer.Node, answer.Status, ReasonOf(answer), answer.TimerId ?? timerId, answer.RetryAfter);

    /// <summary>The header's reason, else the problem body's <c>detail</c>, else the body itself.</summary>
    private static string ReasonOf(NodeAnswer answer)
    {
        if (answer.Reason is { Length: > 0 } reason)
            return reason;
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail", out var detail)
                && detail.GetString() is { Length: > 0 } text)
                return text;
        }
        catch (JsonException)
        {
        }

        return answer.Body.Length > 0 ? answer.Body : "no reason given";
    }

    private static T Read<T>(NodeAnswer answer)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(answer.Body, TimerApiProtocol.Json)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new UnexpectedAnswerException(answer.Node, (int)answer.Status,
                $"{answer.Node} answered {(int)answer.Status} with a body that is not the documented JSON: {e.Message}");
        }
    }

    private static TimerReceipt Receipt(NodeAnswer answer) => Read<TimerReceipt>(answer);

    private sealed record TimerPageWire(List<TimerInfo>? Timers, string? Next);

    private sealed record TimerBatchWire(List<TimerBatchResult>? Results);
}
