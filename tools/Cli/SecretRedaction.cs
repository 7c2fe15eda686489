namespace RaftTimers.Tools.Cli;

/// <summary>
/// Keeps token values out of error messages. Program passes every message it writes to stderr through
/// <see cref="Redact"/>: System.CommandLine echoes arguments it cannot place ("Unrecognized command or argument '...'"),
/// and stderr of a CI job ends up in its log. The values are taken from the command line as typed: the word after any
/// option whose name contains "token" (also a misspelt or unknown one such as --api-token), or the part after '=' or ':'
/// in <c>--admin-token=VALUE</c>.
/// </summary>
internal sealed class SecretRedaction
{
    public const string Mask = "[redacted]";

    private readonly List<string> secrets;

    public SecretRedaction(IReadOnlyList<string> args)
    {
        secrets = [];
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || !arg.Contains("token", StringComparison.OrdinalIgnoreCase))
                continue;
            var separator = arg.IndexOfAny(['=', ':']);
            if (separator > 0)
                secrets.Add(arg[(separator + 1)..]);
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                secrets.Add(args[i + 1]); // "--token --url X" has no value: --url is no secret
        }

        // Longest first, so that a token containing another one is masked whole.
        secrets = secrets.Where(s => s.Length > 0).Distinct().OrderByDescending(s => s.Length).ToList();
    }

    public string Redact(string message)
    {
        foreach (var secret in secrets)
            message = message.Replace(secret, Mask, StringComparison.Ordinal);
        return message;
    }
}
