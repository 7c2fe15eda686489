using RaftTimers.Client;

namespace RaftTimers.Tools.Cli;

/// <summary>
/// Runs one call of the client library and turns its failure into the message and exit code of <see cref="ExitCodes"/>:
/// a node's error answer by its status, no node answering as unreachable, an unknown write outcome as unavailable with
/// what the user can safely do next.
/// </summary>
internal static class ClientCalls
{
    public static async Task<T> RunAsync<T>(string what, Func<Task<T>> call, string? retryHint = null)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (TimerApiException e)
        {
            throw new CliFailure($"{what}: {e.Message}", ExitCodeOf((int)e.Status));
        }
        catch (TimerOutcomeUnknownException e)
        {
            throw new CliFailure($"{e.Message} ({retryHint ?? "check with timers get / timers cluster status"})", ExitCodes.Unavailable);
        }
        catch (NoNodeAnsweredException e)
        {
            throw new CliFailure(e.Message, ExitCodes.Unreachable);
        }
        catch (UnexpectedAnswerException e)
        {
            throw new CliFailure(e.Message, ExitCodes.Unavailable);
        }
    }

    public static Task RunAsync(string what, Func<Task> call, string? retryHint = null)
        => RunAsync(what, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        }, retryHint);

    /// <summary>The exit code of an error answer, by status class.</summary>
    public static int ExitCodeOf(int status) => status switch
    {
        400 or 413 or 415 => ExitCodes.Usage,
        429 or >= 500 and not 507 => ExitCodes.Unavailable,
        _ => ExitCodes.Refused,
    };
}
