using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace RaftTimers.Support;

/// <summary>
/// The headers every callback carries (docs/api.md, callback delivery), read in one place by every receiver: the
/// tests' <see cref="CallbackSink"/>, the benchmark's sink and the fault-injection agent's.
/// </summary>
public static class CallbackHeaders
{
    public const string TimerId = "X-Timer-Id";
    public const string IdempotencyKey = "Idempotency-Key";
    public const string Attempt = "X-Timer-Attempt";

    /// <summary>The timer id, the idempotency key and the attempt number (0 when missing or not a number) of a callback.</summary>
    public static (string TimerId, string IdempotencyKey, int Attempt) Read(HttpRequest request)
        => (request.Headers[TimerId].ToString(),
            request.Headers[IdempotencyKey].ToString(),
            int.TryParse(request.Headers[Attempt], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : 0);
}
