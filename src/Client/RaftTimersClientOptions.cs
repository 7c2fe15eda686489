namespace RaftTimers.Client;

/// <summary>
/// Where the cluster is and how to call it. Bindable from configuration (e.g. a <c>RaftTimers:Client</c> section with
/// <c>Nodes</c>, <c>RequestTimeout</c>, <c>ApiToken</c>).
/// </summary>
public sealed class RaftTimersClientOptions
{
    /// <summary>Node API base URLs, tried in this order (docs/client.md, "Which node"). Any node serves the whole API.</summary>
    public List<Uri> Nodes { get; set; } = [];

    /// <summary>How long one node may take to answer before the next is tried or the outcome is reported unknown.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait for a connection; a node that does not accept one in time got nothing, so the next is tried.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The timer API's bearer token (<c>RaftTimers:Security:ApiToken</c> on the nodes), if they require one.</summary>
    public string? ApiToken { get; set; }

    /// <summary>The admin token, for membership changes only.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// Whether a create without an id gets one made here (a time-ordered UUID). On by default: only an id the client
    /// knows makes a create that got no answer safe to send again, to the same node or the next one. Off, such a
    /// create lets the node choose the id and is never repeated.
    /// </summary>
    public bool ClientMadeIds { get; set; } = true;

    /// <summary>The product token sent as User-Agent.</summary>
    public string UserAgent { get; set; } = $"RaftTimers.Client/{typeof(RaftTimersClientOptions).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    internal void Validate()
    {
        if (Nodes.Count == 0)
            throw new ArgumentException("RaftTimersClientOptions.Nodes is empty: give at least one node's API URL", nameof(Nodes));
        foreach (var node in Nodes)
        {
            if (node is null || !node.IsAbsoluteUri || node.Scheme is not ("http" or "https") || node.Query.Length > 0 || node.Fragment.Length > 0)
                throw new ArgumentException($"bad node URL '{node}': give an absolute http(s) URL without query, such as http://127.0.0.1:8080", nameof(Nodes));
        }

        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "must be positive");
        if (ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "must be positive");
    }
}
