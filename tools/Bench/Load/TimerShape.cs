using System.Globalization;
using System.Text;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// What each timer the generator creates looks like. By default what users send: a callback URI of its own
/// (<c>BASE/cb/RUN/SEQ</c>, an id in the path as a receiver's route would have it), a small JSON <c>data</c> object with
/// the timer's sequence number, and an id the server makes. <c>--callbacks shared</c> gives every timer the same URI
/// (<c>BASE/cb</c>) and <c>--ids client</c> sends <c>x-timer-id</c>: the friendlier shape earlier figures were measured with.
/// </summary>
public sealed class TimerShape
{
    private string callbackBase;

    private TimerShape(string callbackBase, bool distinctCallbacks, bool clientIds, string idPrefix, int padding)
    {
        this.callbackBase = callbackBase.TrimEnd('/');
        DistinctCallbacks = distinctCallbacks;
        ClientIds = clientIds;
        IdPrefix = idPrefix;
        Padding = padding;
    }

    /// <summary>Names this run in callback paths and client ids, so a sink can tell its own arrivals from others'.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];

    public bool DistinctCallbacks { get; }

    public bool ClientIds { get; }

    public int Padding { get; }

    private string IdPrefix { get; }

    /// <summary>Where callback URIs start; set before the first timer when it is known only later (a sink's address).</summary>
    public string CallbackBase
    {
        get => callbackBase;
        set => callbackBase = value.TrimEnd('/');
    }

    /// <summary>
    /// Reads <c>--callbacks distinct|shared</c> and <c>--ids server|client</c>; <paramref name="callbackBase"/> is the
    /// scheme, host and port (and any path prefix) that every callback URI starts with.
    /// </summary>
    public static TimerShape Read(BenchArgs args, string callbackBase, string idPrefix, int padding)
    {
        var distinct = args.Text("callbacks", "distinct") switch
        {
            "distinct" => true,
            "shared" => false,
            var other => throw new UsageException($"--callbacks must be distinct or shared, not '{other}'"),
        };
        var clientIds = args.Text("ids", "server") switch
        {
            "server" => false,
            "client" => true,
            var other => throw new UsageException($"--ids must be server or client, not '{other}'"),
        };
        return new TimerShape(callbackBase, distinct, clientIds, idPrefix, padding);
    }

    /// <summary>Timer <paramref name="seq"/>'s callback URI.</summary>
    public string CallbackUri(long seq)
        => DistinctCallbacks ? string.Create(CultureInfo.InvariantCulture, $"{callbackBase}/cb/{RunId}/{seq}") : callbackBase + "/cb";

    /// <summary>The id sent as <c>x-timer-id</c>, or null for a server-made one.</summary>
    public string? Id(long seq) => ClientIds ? string.Create(CultureInfo.InvariantCulture, $"{IdPrefix}{RunId}-{seq}") : null;

    /// <summary>The JSON body of timer <paramref name="seq"/>'s create.</summary>
    public byte[] Body(long seq, long timeoutMs)
    {
        var pad = Padding > 0 ? ",\"pad\":\"" + new string('x', Padding) + "\"" : "";
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$$"""{"timeout":{{{timeoutMs}}},"data":{"seq":{{{seq}}}{{{pad}}}},"callback":{"transport":"http","method":"post","uri":"{{{CallbackUri(seq)}}}"}}"""));
    }

    /// <summary>The <c>data</c> object's JSON text of timer <paramref name="seq"/>.</summary>
    public string DataJson(long seq)
        => string.Create(CultureInfo.InvariantCulture, $"{{\"seq\":{seq}") + (Padding > 0 ? ",\"pad\":\"" + new string('x', Padding) + "\"" : "") + "}";

    public void Describe(BenchResult result, long timeoutMs)
        => result.Add("callbacks", DistinctCallbacks ? $"one per timer ({CallbackUri(0)[..^1]}SEQ)" : $"shared ({callbackBase}/cb)")
            .Add("ids", ClientIds ? "client-chosen (x-timer-id)" : "server-generated")
            .Add("timer timeout", timeoutMs, "ms")
            .Add("body bytes", Body(1_000_000, timeoutMs).Length, "B");
}
