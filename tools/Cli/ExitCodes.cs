namespace RaftTimers.Tools.Cli;

/// <summary>
/// The exit codes scripts can rely on. Each failure maps to one of them in one place
/// (<see cref="CliFailure"/> and <see cref="ClientCalls.ExitCodeOf"/>); the text below is printed by every --help.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The server answered with a definite no: 401, 403, 404, 409, 507 or another 4xx that is not bad input.</summary>
    public const int Refused = 1;

    /// <summary>Bad input: caught locally before any request, or a server 400 or 413; also an unknown command or option.</summary>
    public const int Usage = 2;

    /// <summary>
    /// No node answered: every URL refused the connection, did not resolve, did not accept a connection in time, or (for a
    /// read only) accepted it but then did not answer within --timeout or dropped it. A write is never exit code 3 once it
    /// was sent to a node: that is <see cref="Unavailable"/>.
    /// </summary>
    public const int Unreachable = 3;

    /// <summary>
    /// A node answered but could not finish (503 no leader, 502, 429, other 5xx), or no node answered after a write
    /// was sent: the outcome of the write is then unknown. Retrying may help: a create is safe to retry with the id the
    /// message names, and so is a cancel (a repeated cancel succeeds as the first did).
    /// </summary>
    public const int Unavailable = 4;

    /// <summary>Ctrl-C or SIGTERM, as a shell reports SIGINT.</summary>
    public const int Interrupted = 130;

    public const string HelpText = """
        Exit codes:
          0    success
          1    refused by the server: 401/403 (token), 404 (no such timer or member), 409 (conflict), 507 (limit); the status is printed
          2    bad input or usage: caught before any request where possible, or a server 400/413; unknown command or option
          3    cluster unreachable: no node at any given URL answered: each refused the connection, did not resolve or did not accept a connection in time, or (reads only) connected but did not answer within --timeout or dropped the connection
          4    unavailable: a node answered 503 (no leader), 502, 429 or another 5xx, or no node answered after a write was sent (outcome unknown); retrying may help: a create with the id it printed (--id ID) is safe, and so is a cancel
          130  interrupted (Ctrl-C)
        Errors go to stderr with the server's reason; stdout carries only results.
        """;
}
