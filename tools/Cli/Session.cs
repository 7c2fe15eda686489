using System.CommandLine;
using System.Text.Json;
using RaftTimers.Tools.Cli.Http;

namespace RaftTimers.Tools.Cli;

/// <summary>What one command run needs: the parsed global options, the client for the given nodes, and where to write.</summary>
internal sealed class Session : IDisposable
{
    private static readonly JsonSerializerOptions s_compact = new() { WriteIndented = false };

    private Session(ParseResult parse, TimeSpan requestTimeout)
    {
        Parse = parse;
        Json = parse.GetValue(GlobalOptions.Json);
        Client = new NodeClient(GlobalOptions.Nodes(parse), requestTimeout);
    }

    public ParseResult Parse { get; }

    /// <summary>Whether --json was given: one JSON document on stdout instead of human text.</summary>
    public bool Json { get; }

    public NodeClient Client { get; }

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;

    /// <summary>Reads the global options; a bad --url or --timeout fails here, before any request.</summary>
    public static Session Open(ParseResult parse, TimeSpan? defaultTimeout = null)
        => new(parse, GlobalOptions.RequestTimeout(parse, defaultTimeout ?? TimeSpan.FromSeconds(30)));

    /// <summary>Writes one JSON value as a single line on stdout.</summary>
    public void WriteJson(JsonElement value) => Out.WriteLine(JsonSerializer.Serialize(value, s_compact));

    public void WriteJson(System.Text.Json.Nodes.JsonNode value) => Out.WriteLine(value.ToJsonString(s_compact));

    public void Dispose() => Client.Dispose();
}
