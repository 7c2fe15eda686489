namespace RaftTimers.Tools.Cli;

/// <summary>
/// A failure the user should read: Program prints the message to stderr as it is and exits with <see cref="ExitCode"/>.
/// Anything else escaping a command is a bug in the client.
/// </summary>
internal sealed class CliFailure(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliFailure Usage(string message) => new(message, ExitCodes.Usage);
}
