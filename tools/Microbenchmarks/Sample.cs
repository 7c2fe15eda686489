using System.Text;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Microbenchmarks;

/// <summary>
/// Realistic commands for every benchmark: client-style ids (<c>order-1123456</c>), a 106-byte JSON payload and an
/// http callback URL of each timer's own, with its id in the path, which is what a service scheduling order expiries sends.
/// </summary>
public static class Sample
{
    /// <summary>The leader's stamp of the first entry (Unix ms, late 2026).</summary>
    public const long StampUnixMs = 1_790_000_000_000;

    /// <summary>The timeout of sample creates; <see cref="Creates"/> adds up to a second so due times differ.</summary>
    public const long TimeoutMs = 60_000;

    private static readonly byte[] PayloadUtf8 = Encoding.UTF8.GetBytes(
        """{"orderId":"ord-2026-11-28-000123","customer":"c-88412","action":"expire-cart","attempt":1,"region":"eu-1"}""");

    public static int PayloadBytes => PayloadUtf8.Length;

    /// <summary>Ids are <c>order-</c> and seven digits for the first 9,000,000 numbers, so they sort as their numbers do.</summary>
    public static string Id(int number) => $"order-{1_000_000 + number}";

    public static TimerSpec Spec(long timeoutMs, string id)
        => new(timeoutMs, new CallbackSpec("http", "post", $"http://orders.internal:8080/timers/{id}/expired"), new TimerData(TimerDataKind.Json, PayloadUtf8));

    /// <summary>Creates of the ids numbered <paramref name="first"/>, <paramref name="first"/> + <paramref name="step"/>, and so on.</summary>
    public static TimerCommand[] Creates(int count, int first = 0, int step = 1)
        => [.. Enumerable.Range(0, count).Select(i => (TimerCommand)new CreateTimer(Id(first + (i * step)), Spec(TimeoutMs + (i % 1000), Id(first + (i * step)))))];

    /// <summary>Fires at version 1 of the same ids as <see cref="Creates"/> with the same arguments.</summary>
    public static TimerCommand[] Fires(int count, int first = 0, int step = 1)
        => [.. Enumerable.Range(0, count).Select(i => (TimerCommand)new FireTimer(Id(first + (i * step)), 1))];
}
