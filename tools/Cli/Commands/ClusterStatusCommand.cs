using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers cluster status</c>: GET /cluster from the first node that answers, for the members and the leader, then
/// GET /cluster from each member's own API URL, for its role, term, commit and applied index as that member reports
/// them. A member that does not answer is shown as unreachable; the command still succeeds, because the cluster does.
/// </summary>
internal static class ClusterStatusCommand
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public static Command Build()
    {
        var command = new Command("status", "Show the members with their roles, term, leader, commit and applied index (asks every member)");
        command.SetAction(async (parse, cancellation) =>
        {
            using var session = Session.Open(parse);
            var answer = await ClientCalls.RunAsync("cluster status", () => session.Client.GetClusterAsync(cancellation));
            var view = answer.Json;
            var members = view.TryGetProperty("members", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().OrderBy(m => TimerView.Text(m, "id"), StringComparer.Ordinal).ThenBy(m => TimerView.Text(m, "raft"), StringComparer.Ordinal).ToList()
                : [];
            var timeout = GlobalOptions.RequestTimeout(parse, ProbeTimeout);
            var probes = await Task.WhenAll(members.Select(m => ProbeAsync(m, timeout < ProbeTimeout ? timeout : ProbeTimeout, cancellation)));
            var status = Combine(answer.Node, view, members, probes);
            if (session.Json)
                session.WriteJson(status);
            else
                WriteHuman(session.Out, status);
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record Probe(JsonElement? View, string? Problem);

    private static async Task<Probe> ProbeAsync(JsonElement member, TimeSpan timeout, CancellationToken cancellation)
    {
        var api = TimerView.Text(member, "api");
        if (api is null || !Uri.TryCreate(api, UriKind.Absolute, out var url))
            return new Probe(null, "API URL not known");
        using var client = Session.Connect([url], timeout);
        try
        {
            return new Probe((await client.GetClusterAsync(cancellation)).Json, null);
        }
        catch (TimerApiException e)
        {
            return new Probe(null, $"answered {(int)e.Status} {e.Reason}");
        }
        catch (RaftTimersException e)
        {
            return new Probe(null, e.Message);
        }
    }

    /// <summary>
    /// The JSON document: the asked node's own view (<c>node</c>, as GET /cluster gives it) and one entry per member,
    /// (ordered by id) the asked node's member entry merged with what the member says of itself, and its lag: the highest commit index
    /// any member reports minus its applied index.
    /// </summary>
    private static JsonObject Combine(Uri asked, JsonElement view, List<JsonElement> members, Probe[] probes)
    {
        var highestCommit = probes.Where(p => p.View is not null).Select(p => Number(p.View!.Value, "commitIndex") ?? 0)
            .Append(Number(view, "commitIndex") ?? 0).Max();
        var entries = new JsonArray();
        for (var i = 0; i < members.Count; i++)
        {
            var entry = JsonNode.Parse(members[i].GetRawText())!.AsObject();
            var self = probes[i].View;
            entry["reachable"] = self is not null;
            if (self is { } own)
            {
                entry["nodeId"] = TimerView.Text(own, "nodeId");
                entry["membership"] = TimerView.Text(own, "membership");
                entry["role"] = TimerView.Text(own, "role");
                entry["term"] = Number(own, "term");
                entry["commitIndex"] = Number(own, "commitIndex");
                entry["appliedIndex"] = Number(own, "appliedIndex");
                entry["pendingTimers"] = Number(own, "pendingTimers");
                entry["lag"] = highestCommit - (Number(own, "appliedIndex") ?? 0);
            }
            else
            {
                entry["error"] = probes[i].Problem;
            }

            entries.Add(entry);
        }

        return new JsonObject
        {
            ["askedUrl"] = asked.AbsoluteUri.TrimEnd('/'),
            ["node"] = JsonNode.Parse(view.GetRawText()),
            ["leader"] = view.TryGetProperty("leader", out var leader) ? JsonNode.Parse(leader.GetRawText()) : null,
            ["term"] = Number(view, "term"),
            ["members"] = entries,
        };
    }

    private static long? Number(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64() : null;

    private static void WriteHuman(TextWriter output, JsonObject status)
    {
        var node = status["node"]!;
        var leader = status["leader"];
        output.WriteLine(leader is null
            ? $"no leader known to {node["nodeId"]} (term {status["term"]})"
            : $"leader {leader["raft"]} ({leader["api"]?.GetValue<string>() ?? "API URL unknown"}), term {status["term"]}");
        output.WriteLine($"asked {status["askedUrl"]}: {node["nodeId"]} is {node["role"]} ({node["membership"]}), commit {node["commitIndex"]}, applied {node["appliedIndex"]}, {node["pendingTimers"]} pending timers");
        var table = new TextTable("ID", "RAFT", "API", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "PENDING", "STATUS");
        foreach (var member in status["members"]!.AsArray())
        {
            var reachable = member!["reachable"]!.GetValue<bool>();
            table.Add(Text(member["id"]), Text(member["raft"]), Text(member["api"]),
                reachable ? Text(member["role"]) + (Text(member["membership"]) is { } m and not "member" ? $" ({m})" : "") : "unreachable",
                Text(member["term"]), Text(member["commitIndex"]), Text(member["appliedIndex"]), Text(member["lag"]), Text(member["pendingTimers"]),
                Text(member["status"]));
        }

        table.WriteTo(output);
        foreach (var member in status["members"]!.AsArray().Where(m => m!["error"] is not null))
            output.WriteLine($"{Text(member!["id"]) ?? Text(member["raft"])}: {Text(member["error"])}");
    }

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };
}
