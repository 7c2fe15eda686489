using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftTimers.JepsenLike.History;

/// <summary>
/// The JSONL history of a run, Jepsen-style: one line when an operation is invoked and one when it
/// completes (type <c>ok</c>, <c>fail</c> or <c>info</c>), each with its process and time. A process has at
/// most one operation outstanding, so lines pair up by process. An invocation with no completion (the run
/// ended first) reads back as <see cref="OpOutcome.Info"/>.
/// </summary>
public static class HistoryFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public sealed record Line(
        string Type,
        int Process,
        OpFunction F,
        string Id,
        double Time,
        int? Status = null,
        long? TimeoutMs = null,
        string? Body = null,
        long? Version = null,
        string? State = null,
        string? Error = null);

    public static string Invoke(int process, OpFunction f, string id, double timeMs, long timeoutMs = 0, string? body = null)
        => JsonSerializer.Serialize(new Line("invoke", process, f, id, timeMs, TimeoutMs: timeoutMs == 0 ? null : timeoutMs, Body: body), Json);

    public static string Complete(Operation op)
        => JsonSerializer.Serialize(new Line(op.Outcome.ToString().ToLowerInvariant(), op.Process, op.F, op.TimerId, op.CompletedAtMs,
            op.Status, null, null, op.Version, op.State, op.Error), Json);

    public static List<Operation> Read(IEnumerable<string> lines)
    {
        var open = new Dictionary<int, Line>();
        var operations = new List<Operation>();
        var lastTime = 0.0;
        foreach (var text in lines)
        {
            if (string.IsNullOrWhiteSpace(text))
                continue;
            var line = JsonSerializer.Deserialize<Line>(text, Json) ?? throw new FormatException($"empty history line: {text}");
            lastTime = Math.Max(lastTime, line.Time);
            if (line.Type == "invoke")
            {
                if (!open.TryAdd(line.Process, line))
                    throw new FormatException($"process {line.Process} invoked twice without completing: {text}");
                continue;
            }

            if (!open.Remove(line.Process, out var invoke))
                throw new FormatException($"completion without invocation: {text}");
            var outcome = line.Type switch
            {
                "ok" => OpOutcome.Ok,
                "fail" => OpOutcome.Fail,
                "info" => OpOutcome.Info,
                _ => throw new FormatException($"unknown history line type '{line.Type}'"),
            };
            operations.Add(new Operation(line.Process, invoke.F, invoke.Id, invoke.Time, line.Time, outcome,
                line.Status ?? 0, invoke.TimeoutMs ?? 0, invoke.Body, line.Version, line.State, line.Error));
        }

        foreach (var invoke in open.Values)
            operations.Add(new Operation(invoke.Process, invoke.F, invoke.Id, invoke.Time, double.PositiveInfinity, OpOutcome.Info,
                TimeoutMs: invoke.TimeoutMs ?? 0, Body: invoke.Body, Error: "no completion before the run ended"));

        operations.Sort((a, b) => a.InvokedAtMs.CompareTo(b.InvokedAtMs));
        return operations;
    }
}
