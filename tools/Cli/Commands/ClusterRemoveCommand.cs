using System.CommandLine;
using System.Text.Json;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers cluster remove MEMBER</c>: DELETE /cluster/members/{id}, by node id or Raft host:port. The answer comes once
/// the configuration without the member is committed (a removed leader first steps down), so a spinner shows the wait.
/// </summary>
internal static class ClusterRemoveCommand
{
    public static Command Build()
    {
        var member = new Argument<string>("MEMBER") { Description = "Node id or Raft host:port of the member, as timers cluster status lists them" };
        var command = new Command("remove", "Remove a member; the removed node stops serving once told (a retry of a done removal succeeds)");
        command.Arguments.Add(member);
        command.SetAction(async (parse, cancellation) =>
        {
            var id = parse.GetValue(member)!.Trim();
            if (id.Length == 0 || id.Length > 256 || id.Any(char.IsControl) || id.Contains('/'))
                throw CliFailure.Usage($"MEMBER must be a node id or a Raft host:port, not '{id}'");
            var adminToken = AdminOptions.Require(parse);
            using var session = Session.Open(parse, AdminOptions.DefaultTimeout, adminToken);
            JsonElement json;
            using (Progress.Start($"removing {id}: waiting for the new configuration to commit"))
            {
                json = (await ClientCalls.RunAsync($"remove {id}", () => session.Client.RemoveMemberAsync(id, cancellation))).Json;
            }

            if (session.Json)
            {
                session.WriteJson(json);
                return ExitCodes.Success;
            }

            var name = $"{TimerView.Text(json, "id") ?? id} ({TimerView.Text(json, "raft")})";
            var told = TimerView.Text(json, "notified") switch
            {
                "true" => "; it was told and stops serving",
                "false" => "; it could not be told: stop it yourself",
                _ => "",
            };
            session.Out.WriteLine(TimerView.Text(json, "changed") == "true"
                ? $"removed {name}{told}; the cluster has {TimerView.Text(json, "members")} members"
                : $"{name} was not a member; the cluster has {TimerView.Text(json, "members")} members");
            return ExitCodes.Success;
        });
        return command;
    }
}
