using System.CommandLine;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>The admin token of the membership endpoints (README, Operations), for <c>cluster add</c> and <c>cluster remove</c>; the option itself is global (<see cref="GlobalOptions.AdminToken"/>).</summary>
internal static class AdminOptions
{
    /// <summary>Membership changes wait for a new node to catch up; the node's own limit is 300 s (RaftTimers:Admin:MembershipTimeoutMs).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(330);

    /// <summary>The token from --admin-token or the environment; without one the change would only be refused (401), so it is a usage error.</summary>
    public static string Require(ParseResult parse)
        => parse.GetValue(GlobalOptions.AdminToken) is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable(GlobalOptions.AdminTokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : throw CliFailure.Usage($"membership changes need the admin token: --admin-token or {GlobalOptions.AdminTokenVariable}");
}
