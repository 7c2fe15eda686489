using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers cluster add</c>: POST /cluster/members. The new node must already run in join mode (--join true) with an
/// empty data directory; the cluster answers once it has caught up and the configuration that includes it is committed,
/// which can take minutes with a large state, so a spinner shows that it is still waiting.
/// </summary>
internal static class ClusterAddCommand
{
    public static Command Build()
    {
        var raft = new Option<string>("--raft")
        {
            Description = "The new node's Raft address, IP:port or name:port (localhost:port means 127.0.0.1), as it was started with --raft",
            Required = true,
            HelpName = "HOST:PORT",
        };
        var api = new Option<string>("--api")
        {
            Description = "The new node's HTTP API URL, as it was started with --http; the cluster asks it who it is before sending it the log",
            Required = true,
            HelpName = "URL",
        };
        var command = new Command("add", "Add a node that runs in join mode; waits until it has caught up and is a voting member (a retry is safe)");
        command.Options.Add(raft);
        command.Options.Add(api);
        command.SetAction(async (parse, cancellation) =>
        {
            var address = RequireRaftAddress(parse.GetValue(raft)!);
            var apiUrl = parse.GetValue(api)!;
            if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var parsedApi) || parsedApi.Scheme is not ("http" or "https"))
                throw CliFailure.Usage($"--api must be the new node's absolute http(s) API URL, not '{apiUrl}'");
            var adminToken = AdminOptions.Require(parse);
            using var session = Session.Open(parse, AdminOptions.DefaultTimeout, adminToken);
            JsonElement json;
            using (Progress.Start($"adding {address}: waiting for it to catch up and for the new configuration to commit"))
            {
                json = (await ClientCalls.RunAsync($"add {address}", () => session.Client.AddMemberAsync(address, parsedApi, cancellation))).Json;
            }

            if (session.Json)
                session.WriteJson(json);
            else
                session.Out.WriteLine(TimerView.Text(json, "changed") == "true"
                    ? $"added {TimerView.Text(json, "id") ?? address} ({address}); the cluster has {TimerView.Text(json, "members")} members"
                    : $"{TimerView.Text(json, "id") ?? address} ({address}) was a member already; the cluster has {TimerView.Text(json, "members")} members");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The node accepts <c>IP:port</c> (IPv6 in brackets), <c>localhost:port</c> or <c>name:port</c>: what is plainly
    /// none of those is a usage error here, and the node judges the rest (a name's characters) with 400.
    /// </summary>
    private static string RequireRaftAddress(string text)
    {
        if (IPEndPoint.TryParse(text, out var endpoint))
        {
            if (endpoint.Port > 0)
                return text;
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon > 0 && Uri.CheckHostName(text[..colon]) == UriHostNameType.Dns
                && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
                return text;
        }

        throw CliFailure.Usage($"--raft must be the new node's Raft address as IP:port or name:port (e.g. 10.0.0.4:9080 or timers-3.timers:9080), not '{text}'");
    }
}
