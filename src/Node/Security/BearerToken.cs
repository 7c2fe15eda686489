using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using RaftTimers.Node.Answers;

namespace RaftTimers.Node.Security;

/// <summary>What a request's <c>Authorization</c> header amounts to against a <see cref="BearerToken"/>.</summary>
public enum BearerCheck
{
    /// <summary>Exactly one <c>Authorization: Bearer &lt;token&gt;</c> header with the configured token.</summary>
    Accepted,

    /// <summary>No <c>Authorization</c> header, or one with another scheme.</summary>
    Missing,

    /// <summary>A bearer token that is not the configured one, or more than one <c>Authorization</c> header.</summary>
    Rejected,
}

/// <summary>
/// A configured secret that requests present as <c>Authorization: Bearer &lt;token&gt;</c> (RFC 6750). One
/// instance per secret: the timer API's optional token (<c>RaftTimers:Security:ApiToken</c>) is one, and an
/// admin token for the membership endpoints is meant to be another instance of this same type, built with
/// <see cref="FromSetting"/> from its own setting; whether a missing configuration means "open" (the timer
/// API) or "closed" (admin) is the caller's decision, not this type's.
/// Only the SHA-256 hash of the secret is kept. A presented token is hashed too and the two hashes are
/// compared with <see cref="CryptographicOperations.FixedTimeEquals"/>: the time taken depends neither on
/// how many leading characters are right nor on the secret's length, which a plain comparison would leak.
/// Neither the secret nor a presented token is ever logged or put into an error message.
/// </summary>
public sealed class BearerToken
{
    /// <summary>The shortest secret accepted, so a token cannot be guessed in a practical number of requests.</summary>
    public const int MinLength = 16;

    private const string Scheme = "Bearer ";

    /// <summary>UTF-8 bytes hashed on the stack; longer presented tokens (Kestrel caps headers at 32 KiB) borrow a pooled buffer.</summary>
    private const int StackBytes = 256;

    private readonly byte[] expectedHash;

    private BearerToken(byte[] expectedHash) => this.expectedHash = expectedHash;

    /// <summary>
    /// The token configured in <paramref name="setting"/>; null when <paramref name="value"/> is empty (not configured).
    /// Throws <see cref="InvalidOperationException"/> naming the setting, never the value, when the value cannot
    /// be a bearer token (RFC 6750 token68 characters) or is shorter than <see cref="MinLength"/>.
    /// </summary>
    public static BearerToken? FromSetting(string? value, string setting)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        if (value.Length < MinLength || !IsToken68(value))
            throw new InvalidOperationException(
                $"{setting} must be at least {MinLength} characters of A-Z a-z 0-9 - . _ ~ + / (optionally ending in '='), "
                + "e.g. the output of 'openssl rand -hex 32'; the configured value is not shown");
        var hash = new byte[SHA256.HashSizeInBytes];
        HashUtf8(value, hash);
        return new BearerToken(hash);
    }

    /// <summary>Checks the request's <c>Authorization</c> header. Allocates nothing.</summary>
    public BearerCheck Check(HttpRequest request) => Check(request.Headers.Authorization);

    /// <summary>Checks the values of an <c>Authorization</c> header; the scheme name is case-insensitive (RFC 7235).</summary>
    public BearerCheck Check(StringValues authorization)
    {
        if (authorization.Count == 0)
            return BearerCheck.Missing;
        if (authorization.Count > 1)
            return BearerCheck.Rejected;
        var value = authorization[0].AsSpan().Trim();
        if (!value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return BearerCheck.Missing;
        return Matches(value[Scheme.Length..].Trim(' ')) ? BearerCheck.Accepted : BearerCheck.Rejected;
    }

    /// <summary>True when <paramref name="presented"/> is the configured token; compares hashes in constant time.</summary>
    public bool Matches(ReadOnlySpan<char> presented)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        HashUtf8(presented, presentedHash);
        return CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash);
    }

    /// <summary>
    /// Answers 401 with <c>WWW-Authenticate: Bearer</c> (RFC 6750 §3; <c>error="invalid_token"</c> for a wrong
    /// token) and the usual error body and <c>x-skyring-reason</c>.
    /// </summary>
    public static Task ChallengeAsync(HttpContext context, BearerCheck check)
    {
        var rejected = check == BearerCheck.Rejected;
        context.Response.Headers.WWWAuthenticate = rejected ? "Bearer error=\"invalid_token\"" : "Bearer";
        return ApiError.WriteAsync(context, StatusCodes.Status401Unauthorized, rejected
            ? "the bearer token in the Authorization header is not valid for this endpoint"
            : "this endpoint requires an Authorization: Bearer <token> header");
    }

    private static void HashUtf8(ReadOnlySpan<char> text, Span<byte> hash)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> utf8 = maxBytes <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        var length = Encoding.UTF8.GetBytes(text, utf8);
        SHA256.HashData(utf8[..length], hash);
        // The bytes are a secret, or a guess at one: leave no copy in the pool or on the stack.
        CryptographicOperations.ZeroMemory(utf8[..length]);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>RFC 6750's b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="</summary>
    private static bool IsToken68(string value)
    {
        var end = value.Length;
        while (end > 0 && value[end - 1] == '=')
            end--;
        if (end == 0)
            return false;
        foreach (var c in value.AsSpan(0, end))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
                return false;
        }

        return true;
    }
}
