using System.Text;

namespace RaftTimers.Core.Model;

/// <summary>Where and how a fired timer is delivered. Two callbacks are equal when transport, method and URI are.</summary>
/// <remarks>
/// The URI is held as its UTF-8 bytes, the form the log, the snapshot and the HTTP edge carry it in: every pending timer
/// on every node holds one, and a URI per timer (an id in the path) is common, so its UTF-16 copy would be about half the
/// size of the URI again for each of them. <see cref="Uri"/> makes the string when one is needed (a delivery attempt).
/// </remarks>
public sealed class CallbackSpec : IEquatable<CallbackSpec>
{
    private readonly byte[] uriUtf8;

    /// <param name="transport">The transport name; <c>http</c> is the only built-in one.</param>
    /// <param name="method">The HTTP method in lower case (<c>post</c>, <c>put</c>, ...).</param>
    /// <param name="uri">An absolute http or https URI.</param>
    public CallbackSpec(string transport, string method, string uri)
        : this(transport, method, Encoding.UTF8.GetBytes(uri))
    {
    }

    private CallbackSpec(string transport, string method, byte[] uriUtf8)
    {
        Transport = transport;
        Method = method;
        this.uriUtf8 = uriUtf8;
    }

    /// <summary>A callback whose URI is given as UTF-8 the caller has checked; the bytes are owned from here on.</summary>
    internal static CallbackSpec FromUtf8(string transport, string method, byte[] uriUtf8) => new(transport, method, uriUtf8);

    public string Transport { get; }

    public string Method { get; }

    /// <summary>The URI as a new string on every call; <see cref="UriUtf8"/> reads it without one.</summary>
    public string Uri => Encoding.UTF8.GetString(uriUtf8);

    public ReadOnlySpan<byte> UriUtf8 => uriUtf8;

    public bool Equals(CallbackSpec? other)
        => other is not null && (ReferenceEquals(this, other) || Is(other.Transport, other.Method, other.uriUtf8));

    /// <summary>Whether this callback has these names and this URI, given as UTF-8.</summary>
    public bool Is(string transport, string method, ReadOnlySpan<byte> uriUtf8)
        => string.Equals(Transport, transport, StringComparison.Ordinal)
            && string.Equals(Method, method, StringComparison.Ordinal)
            && this.uriUtf8.AsSpan().SequenceEqual(uriUtf8);

    public override bool Equals(object? obj) => Equals(obj as CallbackSpec);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Transport, StringComparer.Ordinal);
        hash.Add(Method, StringComparer.Ordinal);
        hash.AddBytes(uriUtf8);
        return hash.ToHashCode();
    }

    public static bool operator ==(CallbackSpec? left, CallbackSpec? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(CallbackSpec? left, CallbackSpec? right) => !(left == right);

    public override string ToString() => $"{Transport} {Method} {Uri}";
}
