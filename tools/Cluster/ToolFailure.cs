namespace RaftTimers.Tools.Cluster;

/// <summary>
/// A failure the user should read: the message is printed to stderr as is (its first line is the summary,
/// further lines add detail such as log tails) and the tool exits with <see cref="ExitCode"/>.
/// Anything else that escapes a command is a bug in the tool and is printed with its stack trace.
/// </summary>
internal sealed class ToolFailure(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static ToolFailure Usage(string message) => new(message, ExitCodes.Usage);
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>Ctrl-C or SIGTERM, as a shell reports SIGINT.</summary>
    public const int Interrupted = 130;
}
