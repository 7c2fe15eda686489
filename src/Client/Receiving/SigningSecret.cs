using System.Security.Cryptography;

namespace RaftTimers.Client.Receiving;

/// <summary>Callback signing secrets in the Standard Webhooks form nodes and <see cref="CallbackVerifier"/> read.</summary>
public static class SigningSecret
{
    public const string Prefix = "whsec_";

    /// <summary>A new secret: <c>whsec_</c> and 32 random bytes in base64. Give the same one to every node and to the receivers.</summary>
    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
