using System.CommandLine;
using System.Globalization;

namespace RaftTimers.Tools.Cli;

/// <summary>
/// The options every command takes (recursive on the root command), and how each falls back to its environment
/// variable. An option given on the command line wins over the environment.
/// </summary>
internal static class GlobalOptions
{
    public const string UrlVariable = "RAFTTIMERS_URL";
    public const string TokenVariable = "RAFTTIMERS_TOKEN";
    public const string AdminTokenVariable = "RAFTTIMERS_ADMIN_TOKEN";
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static readonly Option<string[]> Url = new("--url", "-u")
    {
        Description = $"Node API URL; repeat it or separate with commas to try the next node when one cannot be reached "
            + $"[env: {UrlVariable}; default: {DefaultUrl}]",
        Recursive = true,
        HelpName = "URL",
    };

    public static readonly Option<string> Token = new("--token")
    {
        Description = $"Bearer token of the timer API, when the nodes require one (prefer the env var: ps shows arguments) [env: {TokenVariable}]",
        Recursive = true,
        HelpName = "TOKEN",
    };

    /// <summary>
    /// Only cluster add and remove use it, but it is accepted anywhere, like --token: a token misplaced before or after the
    /// subcommand is then ignored instead of being echoed in an "unrecognized argument" error into a CI log.
    /// </summary>
    public static readonly Option<string> AdminToken = new("--admin-token")
    {
        Description = $"Admin token of the nodes (RaftTimers:Security:AdminToken) for cluster add and remove; prefer the env var: ps shows arguments [env: {AdminTokenVariable}]",
        Recursive = true,
        HelpName = "TOKEN",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as one JSON document on stdout instead of a table",
        Recursive = true,
    };

    public static readonly Option<string> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for one node's answer (default 30; 330 for cluster add and remove)",
        Recursive = true,
        HelpName = "SECONDS",
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(AdminToken);
        root.Options.Add(Json);
        root.Options.Add(Timeout);
    }

    /// <summary>The node URLs from --url, else RAFTTIMERS_URL, else the node's default; each must be an absolute http(s) URL.</summary>
    public static IReadOnlyList<Uri> Nodes(ParseResult parse)
    {
        var given = parse.GetValue(Url) is { Length: > 0 } fromOption ? fromOption
            : Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment ? [fromEnvironment]
            : [DefaultUrl];
        var words = given.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (words.Count == 0)
            throw CliFailure.Usage("--url is empty");
        return words.Select(ParseUrl).ToList();
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Query.Length > 0 || url.Fragment.Length > 0)
            throw CliFailure.Usage($"bad node URL '{text}': give an absolute http(s) URL such as {DefaultUrl}");
        return url;
    }

    public static string? TimerToken(ParseResult parse) => NonEmpty(parse.GetValue(Token)) ?? NonEmpty(Environment.GetEnvironmentVariable(TokenVariable));

    public static TimeSpan RequestTimeout(ParseResult parse, TimeSpan fallback)
    {
        var text = parse.GetValue(Timeout);
        if (text is null)
            return fallback;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds is < 0.1 or > 86_400)
            throw CliFailure.Usage($"--timeout must be a number of seconds from 0.1 to 86400, not '{text}'");
        return TimeSpan.FromSeconds(seconds);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
