using System.Text;
using System.Text.Json;
using RaftTimers.Cluster.Service;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using RaftTimers.Node.Admin;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Metrics;
using RaftTimers.Node.OpenApi;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Http;

/// <summary>
/// <c>POST /timer/batch</c> (docs/api.md, "Batches"): creates and cancels many timers in one request and one log entry,
/// with a result per item. An item that is bad input, or that a single write would have been refused (the pending
/// limits, a rolling upgrade), gets its own status and stays out of the entry; the others are decided together, in the
/// order given. A follower sends the request to the leader as it came (<see cref="AdminForwarder"/>: one hop), so the
/// batch stays whole. The request passes what a single write does first: the token, the origin, a JSON body within the
/// body deadline and <c>RaftTimers:MaxBatchBodyBytes</c>, one slot of the in-flight limit.
/// </summary>
public sealed class BatchEndpoints(TimerService timers, TimerRequestParser parser, TimerMetrics metrics, NodeSettings settings,
    BearerToken? apiToken, InFlightLimit writes, AdminForwarder forwarder, RequestOrigins? origins = null)
{
    public const string Path = "/timer/batch";

    private sealed record Item(TimerWrite Op, string Id, TimerCommand? Command, int Status = 0, string? Reason = null);

    public void Map(IEndpointRouteBuilder app)
        => app.MapPost(Path, HandleAsync)
            .Operation("batchTimers", "Timers", "Create and cancel many timers at once",
                "Up to RaftTimers:MaxBatchItems creates and cancels, decided in one log entry, each with its own result in the "
                + "order given: creates first, then cancels. Every item is answered as the single write would be (201 with its "
                + "version, 409, 202, 404, 400 with a reason...). Retrying a batch is safe: creates carry their ids, and a "
                + "cancel repeated answers 202 again (extension to Skyring).")
            .Takes<BatchRequestShape>()
            .Responds<BatchAnswerShape>(StatusCodes.Status200OK, "every item's result")
            .NeedsApiToken(apiToken is not null)
            .Refuses(StatusCodes.Status400BadRequest, "the body is not a batch (malformed JSON, no items, more than RaftTimers:MaxBatchItems); an item's own bad input is in its result")
            .Refuses(StatusCodes.Status403Forbidden, "the write comes from a browser page whose Origin is not in RaftTimers:Security:AllowedOrigins (when set)")
            .Refuses(StatusCodes.Status408RequestTimeout, "the body did not arrive whole within RaftTimers:BodyTimeoutMs")
            .Refuses(StatusCodes.Status413PayloadTooLarge, "the body is larger than RaftTimers:MaxBatchBodyBytes")
            .Refuses(StatusCodes.Status415UnsupportedMediaType, "the body is not declared as JSON (Content-Type: application/json)")
            .Refuses(StatusCodes.Status429TooManyRequests, "this node handles its limit of timer writes at once (RaftTimers:MaxInFlightWrites); nothing was written")
            .Refuses(StatusCodes.Status503ServiceUnavailable, "no leader reachable in time, or the leader did not answer: the batch may or may not have been written, and sending it again is safe");

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            if (apiToken is not null && apiToken.Check(context.Request) is var check && check != BearerCheck.Accepted)
            {
                await BearerToken.ChallengeAsync(context, check).ConfigureAwait(false);
                return;
            }

            if (origins?.WhyNotOrigin(context.Request) is { } foreign)
                throw new ApiException(StatusCodes.Status403Forbidden, foreign);
            RequestBody.RequireJson(context.Request);
            var body = await RequestBody.ReadAsync(context.Request, settings.MaxBatchBodyBytes, TimeSpan.FromMilliseconds(settings.BodyTimeoutMs),
                context.RequestAborted).ConfigureAwait(false);
            var items = Parse(body);

            using var slot = writes.TryHold(context.Response);
            if (slot is null)
                throw new ApiException(StatusCodes.Status429TooManyRequests, writes.OverLimitReason);
            await RunAsync(context, body, items).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await ApiError.WriteAsync(context, e).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(HttpContext context, byte[] body, List<Item> items)
    {
        var commands = items.Where(i => i.Command is not null).Select(i => i.Command!).ToList();
        var run = await timers.WriteBatchAsync(commands, context.RequestAborted).ConfigureAwait(false);
        switch (run.Route.At)
        {
            case LeaderAt.Here:
                await AnswerAsync(context, items, run.Results!).ConfigureAwait(false);
                return;
            case LeaderAt.Remote when AdminForwarder.IsForwarded(context.Request):
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, "this node no longer leads; send the batch again");
            case LeaderAt.Remote:
                await forwarder.ForwardAsync(context, run.Route.ApiUrl!, body).ConfigureAwait(false);
                return;
            default:
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, TimerService.NoLeaderReason);
        }
    }

    private async Task AnswerAsync(HttpContext context, List<Item> items, WriteResult[] ran)
    {
        var next = 0;
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("results");
            foreach (var item in items)
            {
                json.WriteStartObject();
                json.WriteString("op", item.Op == TimerWrite.Create ? "create" : "cancel");
                json.WriteString("id", item.Id);
                if (item.Command is null)
                {
                    metrics.Write(item.Op, StatusMap.CountedAs(item.Status));
                    json.WriteNumber("status", item.Status);
                    json.WriteString("reason", item.Reason);
                }
                else
                {
                    WriteResult(json, item, ran[next++]);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private void WriteResult(Utf8JsonWriter json, Item item, in WriteResult write)
    {
        if (write.End != WriteEnd.Ran)
        {
            var refused = StatusMap.Of(write);
            metrics.Write(item.Op, StatusMap.CountedAs(refused));
            json.WriteNumber("status", refused);
            json.WriteString("reason", write.Reason ?? "refused");
            return;
        }

        var result = write.Result;
        var status = StatusMap.Of(item.Op, result.Outcome);
        metrics.Write(item.Op, StatusMap.CountedAs(result.Outcome));
        json.WriteNumber("status", status);
        switch (status)
        {
            case StatusCodes.Status201Created:
                json.WriteString("location", $"/timer/{item.Id}");
                json.WriteString("dueAt", UtcTime.Rfc3339(result.DueAtUnixMs));
                json.WriteNumber("version", result.Version);
                break;
            case StatusCodes.Status202Accepted:
                break;
            case StatusCodes.Status409Conflict when result.Outcome == CommandOutcome.Conflict:
                json.WriteString("reason", $"timer '{item.Id}' exists with a different body");
                break;
            case StatusCodes.Status404NotFound:
                json.WriteString("reason", $"no pending timer '{item.Id}' (unknown, or fired already)");
                break;
            default:
                json.WriteString("reason", result.Reason ?? $"the command was not applied ({result.Outcome})");
                break;
        }
    }

    /// <summary>The items of a batch body, each with its command or the status and reason it is refused with.</summary>
    private List<Item> Parse(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"malformed JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ApiException(StatusCodes.Status400BadRequest, "a batch is a JSON object with a create array, a cancel array, or both");
            var creates = ArrayOf(root, "create");
            var cancels = ArrayOf(root, "cancel");
            var count = creates.Count + cancels.Count;
            if (count == 0)
                throw new ApiException(StatusCodes.Status400BadRequest, "a batch needs at least one item in create or cancel");
            if (count > settings.MaxBatchItems)
                throw new ApiException(StatusCodes.Status400BadRequest, $"a batch holds at most {settings.MaxBatchItems} items (RaftTimers:MaxBatchItems), got {count}");

            var items = new List<Item>(count);
            foreach (var create in creates)
                items.Add(ParseCreate(create));
            foreach (var cancel in cancels)
                items.Add(ParseCancel(cancel));
            return items;
        }
    }

    private static List<JsonElement> ArrayOf(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            return [];
        if (array.ValueKind != JsonValueKind.Array)
            throw new ApiException(StatusCodes.Status400BadRequest, $"{name} must be an array");
        return [.. array.EnumerateArray()];
    }

    private Item ParseCreate(JsonElement create)
    {
        string id;
        if (create.ValueKind == JsonValueKind.Object && create.TryGetProperty("id", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (TextOf(given) is not { } text || !TimerLimits.IsValidId(text))
                return new Item(TimerWrite.Create, ApiError.Quote(TextOf(given) ?? ""), null, StatusCodes.Status400BadRequest, $"id must be {TimerLimits.IdRule}");
            id = text;
        }
        else
        {
            id = TimerIds.NewId();
        }

        var raw = Encoding.UTF8.GetBytes(create.GetRawText());
        if (raw.Length > settings.MaxBodyBytes)
            return new Item(TimerWrite.Create, id, null, StatusCodes.Status413PayloadTooLarge,
                $"the item takes {raw.Length} bytes; one timer may take at most {settings.MaxBodyBytes} (RaftTimers:MaxBodyBytes), as in a single create");
        try
        {
            return new Item(TimerWrite.Create, id, new CreateTimer(id, parser.Parse(raw)));
        }
        catch (ApiException e)
        {
            return new Item(TimerWrite.Create, id, null, e.Status, e.Message);
        }
    }

    private static Item ParseCancel(JsonElement cancel)
    {
        var id = TextOf(cancel) ?? "";
        return TimerLimits.IsValidId(id)
            ? new Item(TimerWrite.Cancel, id, new CancelTimer(id))
            : new Item(TimerWrite.Cancel, ApiError.Quote(id), null, StatusCodes.Status400BadRequest, $"a cancel is a timer id: {TimerLimits.IdRule}");
    }

    /// <summary>A JSON string's text; null for anything else, and for an escaped lone surrogate (valid JSON, invalid text).</summary>
    private static string? TextOf(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            return null;
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
