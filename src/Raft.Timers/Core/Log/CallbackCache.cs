using RaftTimers.Core.Model;

namespace RaftTimers.Core.Log;

/// <summary>
/// Keeps decoded callbacks small. Every timer names its transport and method from a handful of values, so those are
/// one shared string each (<see cref="Name"/>). Services that call back a few URLs share one <see cref="CallbackSpec"/>
/// per distinct callback instead of one per timer (about 170 bytes of each pending timer on every node,
/// docs/benchmarks.md). Only object identity changes, never a value, so the state machine stays a pure function of the
/// log.
/// </summary>
/// <remarks>
/// Direct-mapped: a callback's slot is fixed by its URI (<see cref="SlotOf"/>), and a different callback there replaces it. A workload
/// whose every timer has its own URI (an id in the path) then costs one hash and one compare per decode and holds at
/// most <see cref="Capacity"/> extra references, with no lock and nothing to clear; a repeated URI keeps its slot.
/// Slots are written without a lock: a reader sees the old or the new callback, either of which is a correct answer.
/// </remarks>
public sealed class CallbackCache
{
    public const int Capacity = 4096;

    /// <summary>The transport and method names the API accepts (docs/api.md), as the shared strings decoded callbacks use.</summary>
    private static readonly string[] KnownNames = ["http", "post", "put", "patch", "delete", "get", "options", "head"];

    /// <summary>The cache the log and snapshot decoders use.</summary>
    public static CallbackCache Default { get; } = new();

    private readonly CallbackSpec?[] slots = new CallbackSpec?[Capacity];

    /// <summary>How many slots hold a callback (at most <see cref="Capacity"/>).</summary>
    public int Count => slots.Count(s => s is not null);

    /// <summary>
    /// The held callback with these names and this URI (UTF-8, checked by the caller) when there is one, else a new one,
    /// now held: a repeated callback costs neither an object nor a copy of its URI.
    /// </summary>
    public CallbackSpec Share(string transport, string method, ReadOnlySpan<byte> uriUtf8)
    {
        ref var slot = ref slots[SlotOf(uriUtf8)];
        var known = Volatile.Read(ref slot);
        if (known is not null && known.Is(transport, method, uriUtf8))
            return known;
        var callback = CallbackSpec.FromUtf8(transport, method, uriUtf8.ToArray());
        Volatile.Write(ref slot, callback);
        return callback;
    }

    /// <summary>
    /// A URI's slot, from its length and its last 16 bytes: URIs of one service differ at their end (an id in the
    /// path), and this is cheaper than hashing the whole URI, which every decode on every node would pay.
    /// </summary>
    private static uint SlotOf(ReadOnlySpan<byte> uri)
    {
        var hash = (uint)uri.Length;
        foreach (var b in uri[Math.Max(0, uri.Length - 16)..])
            hash = (hash * 31) + b;
        return hash % Capacity;
    }

    /// <summary>
    /// The shared string for a transport or method name given as UTF-8, without allocating when it is one of the names
    /// the API accepts; null for any other name (the caller decodes it).
    /// </summary>
    public static string? Name(ReadOnlySpan<byte> utf8)
    {
        foreach (var name in KnownNames)
        {
            if (utf8.Length == name.Length && System.Text.Ascii.Equals(utf8, name))
                return name;
        }

        return null;
    }
}
