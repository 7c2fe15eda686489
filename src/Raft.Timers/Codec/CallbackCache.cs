using System.Collections.Concurrent;
using RaftTimers.Model;

namespace RaftTimers.Codec;

/// <summary>
/// Decoded callbacks are shared between timers: services call back a handful of URLs, so one
/// <see cref="CallbackSpec"/> (and its three strings) per distinct callback replaces one per timer — about 170 bytes
/// of each pending timer on every node (docs/benchmarks.md). Only object identity changes, never a value, so the
/// state machine stays a pure function of the log. Bounded: when <see cref="Capacity"/> distinct callbacks are
/// held it starts afresh, so a workload of ever-new URLs costs no more than it did without sharing.
/// </summary>
public sealed class CallbackCache
{
    public const int Capacity = 4096;

    /// <summary>The cache the log and snapshot decoders use.</summary>
    public static CallbackCache Default { get; } = new();

    private readonly ConcurrentDictionary<CallbackSpec, CallbackSpec> shared = new();

    public int Count => shared.Count;

    /// <summary>The shared callback equal to <paramref name="callback"/>, which becomes the shared one if there is none.</summary>
    public CallbackSpec Share(CallbackSpec callback)
    {
        if (shared.TryGetValue(callback, out var known))
            return known;
        if (shared.Count >= Capacity)
            shared.Clear();
        return shared.GetOrAdd(callback, callback);
    }
}
