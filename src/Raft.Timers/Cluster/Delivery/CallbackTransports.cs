using System.Text.RegularExpressions;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// The transports a node delivers through, by name: what the request parser checks a callback against and what the
/// delivery runner sends with. Every node of a cluster should have the same set, since any of them may lead.
/// Owns the transports: disposing it disposes those that are disposable.
/// </summary>
public sealed partial class CallbackTransports : IAsyncDisposable
{
    private readonly Dictionary<string, ICallbackTransport> byName = new(StringComparer.Ordinal);

    /// <summary>Throws <see cref="ArgumentException"/> for a malformed or repeated name.</summary>
    public CallbackTransports(IEnumerable<ICallbackTransport> transports)
    {
        foreach (var transport in transports)
        {
            if (WhyNotName(transport.Name) is { } bad)
                throw new ArgumentException($"transport {transport.GetType().FullName}: {bad}", nameof(transports));
            if (!byName.TryAdd(transport.Name, transport))
                throw new ArgumentException($"two transports are named '{transport.Name}'", nameof(transports));
        }

        Names = [.. byName.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool TryGet(string name, out ICallbackTransport transport) => byName.TryGetValue(name, out transport!);

    /// <summary>Null when <paramref name="name"/> may name a transport; otherwise why not.</summary>
    public static string? WhyNotName(string? name)
        => name is not null && NamePattern().IsMatch(name)
            ? null
            : $"a transport name is 1 to 32 lowercase letters, digits and '-', starting with a letter, not '{name}'";

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    public async ValueTask DisposeAsync()
    {
        foreach (var transport in byName.Values)
        {
            if (transport is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            else if (transport is IDisposable disposable)
                disposable.Dispose();
        }
    }
}
