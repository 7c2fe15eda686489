namespace RaftTimers.Core.Model;

/// <summary>
/// The headers a timer's callback carries besides those every callback gets (<c>callback.headers</c>, docs/api.md), in
/// the order given. Two sets are equal when they hold the same names and values in the same order: that decides, with
/// the rest of the spec, whether a repeated create is a retry or a conflict.
/// </summary>
public sealed class TimerHeaders : IEquatable<TimerHeaders>
{
    /// <summary>Headers one timer may have.</summary>
    public const int MaxCount = 20;

    /// <summary>Bytes of all names and values together; values are ASCII, so characters and bytes agree.</summary>
    public const int MaxTotalBytes = 4096;

    public const int MaxNameLength = 64;

    /// <summary>
    /// Names a callback never takes from a timer: the connection's own (hop-by-hop, framing), the body's, and the ones
    /// the node sets, which a receiver must be able to trust (the timer id, attempt, idempotency key and signature).
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host", "Expect",
        "Content-Length", "Content-Type", "Content-Encoding", "User-Agent",
        "X-Timer-Id", "X-Timer-Attempt", "Idempotency-Key", "webhook-id", "webhook-timestamp", "webhook-signature",
        "traceparent", "tracestate",
    };

    /// <summary>Names that carry credentials: refused unless the node's configuration allows them, since a timer's headers are shown to every reader of the timer.</summary>
    public static readonly IReadOnlySet<string> CredentialNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie",
    };

    private readonly KeyValuePair<string, string>[] items;

    private TimerHeaders(KeyValuePair<string, string>[] items) => this.items = items;

    public IReadOnlyList<KeyValuePair<string, string>> Items => items;

    /// <summary>The bytes of the names and values, counted against the pending-bytes limit as the URI and data are.</summary>
    public int Bytes => items.Sum(h => h.Key.Length + h.Value.Length);

    /// <summary>
    /// The headers, or why they cannot be a callback's: a name that is not an HTTP token, a value with a control or
    /// non-ASCII character, a name given twice, too many or too long, a reserved name, or a credential name when
    /// <paramref name="allowCredentials"/> is false. The log reader uses the same rules with credentials allowed: what
    /// a node took once must replay wherever the setting differs.
    /// </summary>
    public static TimerHeaders? TryCreate(IReadOnlyList<KeyValuePair<string, string>> headers, bool allowCredentials, out string? error)
    {
        error = Check(headers, allowCredentials);
        return error is null ? new TimerHeaders([.. headers]) : null;
    }

    private static string? Check(IReadOnlyList<KeyValuePair<string, string>> headers, bool allowCredentials)
    {
        if (headers.Count == 0)
            return "callback.headers must hold at least one header when given";
        if (headers.Count > MaxCount)
            return $"callback.headers holds {headers.Count} headers; at most {MaxCount}";
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var total = 0;
        foreach (var (name, value) in headers)
        {
            if (!IsToken(name))
                return $"callback.headers name '{Printable(name)}' is not a header name (1-{MaxNameLength} characters of letters, digits and !#$%&'*+-.^_`|~)";
            if (!seen.Add(name))
                return $"callback.headers names '{name}' twice (names are compared ignoring case)";
            if (ReservedNames.Contains(name))
                return $"callback.headers may not set '{name}': the node sets it, or it belongs to the connection";
            if (!allowCredentials && CredentialNames.Contains(name))
                return $"callback.headers may not set '{name}' unless the node allows credential headers (RaftTimers:Security:Callbacks:AllowCredentialHeaders)";
            foreach (var c in value)
            {
                if (c is < ' ' or > '~')
                    return $"callback.headers value of '{name}' may hold only printable ASCII characters";
            }

            total += name.Length + value.Length;
        }

        return total > MaxTotalBytes ? $"callback.headers hold {total} bytes of names and values; at most {MaxTotalBytes}" : null;
    }

    private static bool IsToken(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
            return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'))
                return false;
        }

        return true;
    }

    private static string Printable(string name) => name.Length > MaxNameLength ? name[..MaxNameLength] + "…" : name;

    public bool Equals(TimerHeaders? other)
    {
        if (other is null || other.items.Length != items.Length)
            return false;
        for (var i = 0; i < items.Length; i++)
        {
            if (!string.Equals(items[i].Key, other.items[i].Key, StringComparison.Ordinal) || !string.Equals(items[i].Value, other.items[i].Value, StringComparison.Ordinal))
                return false;
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as TimerHeaders);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (name, value) in items)
        {
            hash.Add(name, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(TimerHeaders? left, TimerHeaders? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(TimerHeaders? left, TimerHeaders? right) => !(left == right);
}
