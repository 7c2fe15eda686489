using RaftTimers.Node.Answers;

namespace RaftTimers.Node.Security;

/// <summary>
/// Optional checks of where a request comes from, against names the operator configured: the <c>Host</c> it was sent
/// to (<c>RaftTimers:Security:AllowedHosts</c>, every request; against DNS rebinding, where a page's own name comes to
/// point at the node) and the <c>Origin</c> of a browser's timer write (<c>RaftTimers:Security:AllowedOrigins</c>;
/// against cross-site writes, beside the JSON content type every write needs). Empty lists check nothing. A request
/// without an <c>Origin</c> header does not come from a page, and passes the origin check. Pure.
/// </summary>
public sealed class RequestOrigins
{
    public const string HostsSetting = "RaftTimers:Security:AllowedHosts";
    public const string OriginsSetting = "RaftTimers:Security:AllowedOrigins";

    private readonly HashSet<string> hosts;
    private readonly HashSet<string> origins;

    public RequestOrigins(string? allowedHosts, string? allowedOrigins)
    {
        hosts = Split(allowedHosts).Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        origins = Split(allowedOrigins).Select(NormalizeOrigin).ToHashSet(StringComparer.Ordinal);
        foreach (var origin in origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var parsed) || parsed.AbsolutePath != "/" || parsed.Query.Length > 0)
                throw new InvalidOperationException($"{OriginsSetting}: '{origin}' is not an origin such as https://ops.example.com");
        }
    }

    public bool ChecksHosts => hosts.Count > 0;

    /// <summary>Null when the Host may be served, else the reason for a 400. A host entry without a port matches any port.</summary>
    public string? WhyNotHost(string? host)
    {
        if (hosts.Count == 0)
            return null;
        var given = (host ?? "").ToLowerInvariant();
        var name = given.StartsWith('[') ? given[..(given.IndexOf(']') + 1)] : given.Split(':')[0];
        return hosts.Contains(given) || hosts.Contains(name) ? null : $"Host '{ApiError.Quote(given)}' is not in {HostsSetting}";
    }

    /// <summary>Null when a write with this <c>Origin</c> (null when none was sent) may go on, else the reason for a 403.</summary>
    public string? WhyNotOrigin(string? origin)
        => origins.Count == 0 || origin is null || origins.Contains(NormalizeOrigin(origin))
            ? null
            : $"a timer write from the page at origin '{ApiError.Quote(origin)}' is refused: it is not in {OriginsSetting}";

    /// <summary>The same for <paramref name="request"/>'s <c>Origin</c> header.</summary>
    public string? WhyNotOrigin(HttpRequest request)
        => WhyNotOrigin(request.Headers.Origin.Count > 0 ? request.Headers.Origin.ToString() : null);

    private static string NormalizeOrigin(string origin) => origin.Trim().TrimEnd('/').ToLowerInvariant();

    private static IEnumerable<string> Split(string? list)
        => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
