using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RaftTimers.Client.Receiving;

/// <summary>What <see cref="CallbackVerifier.Verify"/> found.</summary>
public enum CallbackCheck
{
    /// <summary>A signature made with one of the secrets covers this id, timestamp and body, and the timestamp is recent.</summary>
    Valid,

    /// <summary><c>webhook-id</c>, <c>webhook-timestamp</c> or <c>webhook-signature</c> is missing or empty.</summary>
    MissingHeaders,

    /// <summary>The timestamp is not a number, or lies further from now than the tolerance (a replay, or a wrong clock).</summary>
    BadTimestamp,

    /// <summary>No signature matches: another secret, or a changed id, timestamp or body.</summary>
    BadSignature,
}

/// <summary>
/// Checks a signed callback on the receiving side (Standard Webhooks; docs/api.md, "Signed callbacks"): the HMAC-SHA256
/// of <c>{webhook-id}.{webhook-timestamp}.{body}</c> under one of the receiver's secrets must be among the
/// <c>v1,</c> signatures of <c>webhook-signature</c>, and the timestamp within the tolerance of the receiver's clock.
/// Give it the body exactly as received, before any parsing. Thread-safe.
/// </summary>
public sealed class CallbackVerifier
{
    private readonly byte[][] keys;
    private readonly TimeSpan tolerance;
    private readonly TimeProvider clock;

    /// <param name="secrets">The <c>whsec_...</c> secrets this receiver accepts (both during a rotation).</param>
    /// <param name="tolerance">How far the timestamp may lie from now, either way; five minutes when null.</param>
    /// <param name="clock">The receiver's clock; the system clock when null.</param>
    public CallbackVerifier(IEnumerable<string> secrets, TimeSpan? tolerance = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        keys = [.. secrets.Select(KeyOf)];
        if (keys.Length == 0)
            throw new ArgumentException("at least one secret is needed", nameof(secrets));
        this.tolerance = tolerance ?? TimeSpan.FromMinutes(5);
        if (this.tolerance <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "must be positive");
        this.clock = clock ?? TimeProvider.System;
    }

    private static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var encoded = secret.StartsWith(SigningSecret.Prefix, StringComparison.Ordinal) ? secret[SigningSecret.Prefix.Length..] : secret;
        try
        {
            return Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"a secret is '{SigningSecret.Prefix}' followed by base64", nameof(secret));
        }
    }

    /// <summary>Checks one callback from the values of its three <c>webhook-</c> headers and its raw body.</summary>
    public CallbackCheck Verify(string? webhookId, string? webhookTimestamp, string? webhookSignature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(webhookTimestamp) || string.IsNullOrEmpty(webhookSignature))
            return CallbackCheck.MissingHeaders;
        if (!long.TryParse(webhookTimestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return CallbackCheck.BadTimestamp;
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs((decimal)now - seconds) > (decimal)tolerance.TotalSeconds)
            return CallbackCheck.BadTimestamp;

        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{webhookTimestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        foreach (var key in keys)
        {
            HMACSHA256.HashData(key, signed, expected);
            foreach (var part in webhookSignature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                // Other versions (a future v1a) are skipped, as the spec asks, not failed.
                if (!part.StartsWith("v1,", StringComparison.Ordinal))
                    continue;
                if (Convert.TryFromBase64String(part[3..], given, out var written) && written == expected.Length
                    && CryptographicOperations.FixedTimeEquals(given[..written], expected))
                    return CallbackCheck.Valid;
            }
        }

        return CallbackCheck.BadSignature;
    }
}
