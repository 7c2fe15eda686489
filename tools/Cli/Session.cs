using System.CommandLine;
using System.Text.Json;
using RaftTimers.Client;

namespace RaftTimers.Tools.Cli;

/// <summary>What one command run needs: the parsed global options, the client for the given nodes, and where to write.</summary>
internal sealed class Session : IDisposable
{
    private Session(ParseResult parse, TimeSpan requestTimeout, string? adminToken)
    {
        Parse = parse;
        Json = parse.GetValue(GlobalOptions.Json);
        Client = Connect(GlobalOptions.Nodes(parse), requestTimeout, GlobalOptions.TimerToken(parse), adminToken);
    }

    public ParseResult Parse { get; }

    /// <summary>Whether --json was given: one JSON document on stdout instead of human text.</summary>
    public bool Json { get; }

    public RaftTimersClient Client { get; }

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;

    /// <summary>Reads the global options; a bad --url or --timeout fails here, before any request.</summary>
    public static Session Open(ParseResult parse, TimeSpan? defaultTimeout = null, string? adminToken = null)
        => new(parse, GlobalOptions.RequestTimeout(parse, defaultTimeout ?? TimeSpan.FromSeconds(30)), adminToken);

    /// <summary>A client of the given nodes, tried in order, as the CLI identifies itself.</summary>
    public static RaftTimersClient Connect(IReadOnlyList<Uri> nodes, TimeSpan requestTimeout, string? apiToken = null, string? adminToken = null)
        => new(new RaftTimersClientOptions
        {
            Nodes = [.. nodes],
            RequestTimeout = requestTimeout,
            ApiToken = apiToken,
            AdminToken = adminToken,
            UserAgent = $"rafttimers-cli/{typeof(Session).Assembly.GetName().Version?.ToString(3) ?? "0"}",
        });

    /// <summary>Writes one value as the API's JSON (a document of a node, or the client library's model) on a single line of stdout.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, TimerApiProtocol.Json));

    public void Dispose() => Client.Dispose();
}
