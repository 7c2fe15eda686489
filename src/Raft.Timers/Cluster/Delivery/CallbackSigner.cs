using System.Security.Cryptography;
using System.Text;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Signs callbacks the Standard Webhooks way (docs/api.md, "Signed callbacks"): HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, sent as <c>webhook-signature: v1,{base64}</c>. With two secrets each
/// callback carries both signatures, space-separated, so receivers can move from the old secret to the new one while
/// both are configured, and the old one is dropped after.
/// </summary>
public sealed class CallbackSigner
{
    /// <summary>The prefix Standard Webhooks secrets carry; what follows is the key in base64.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>Shorter keys are refused: the spec asks for 24 to 64 random bytes.</summary>
    public const int MinKeyBytes = 24;

    public const int MaxKeyBytes = 64;

    /// <summary>The old and the new one during a rotation; more would only slow every callback down.</summary>
    public const int MaxSecrets = 2;

    private readonly byte[][] keys;

    private CallbackSigner(byte[][] keys) => this.keys = keys;

    /// <summary>
    /// The signer for a comma-separated list of <c>whsec_</c> secrets; null for an empty list (callbacks go unsigned).
    /// Throws naming <paramref name="setting"/> when an entry is not a secret of the right size.
    /// </summary>
    public static CallbackSigner? FromSetting(string secrets, string setting)
    {
        var entries = secrets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
            return null;
        if (entries.Length > MaxSecrets)
            throw new InvalidOperationException($"{setting}: at most {MaxSecrets} secrets (the current one and the next during a rotation), got {entries.Length}");
        var keys = new byte[entries.Length][];
        for (var i = 0; i < entries.Length; i++)
            keys[i] = ParseSecret(entries[i], setting, i + 1);
        return new CallbackSigner(keys);
    }

    private static byte[] ParseSecret(string secret, string setting, int position)
    {
        // Never echo the secret into an error: startup errors end up in logs.
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"{setting}: secret {position} must start with '{SecretPrefix}' followed by the key in base64");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{setting}: secret {position} is not base64 after '{SecretPrefix}'");
        }

        if (key.Length is < MinKeyBytes or > MaxKeyBytes)
            throw new InvalidOperationException($"{setting}: secret {position} holds {key.Length} bytes; use {MinKeyBytes} to {MaxKeyBytes} random bytes");
        return key;
    }

    /// <summary>The <c>webhook-signature</c> value for this message: one <c>v1,</c> signature per secret.</summary>
    public string Sign(string messageId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestampSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));

        var value = new StringBuilder(keys.Length * 48);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var key in keys)
        {
            HMACSHA256.HashData(key, signed, mac);
            if (value.Length > 0)
                value.Append(' ');
            value.Append("v1,").Append(Convert.ToBase64String(mac));
        }

        return value.ToString();
    }
}
