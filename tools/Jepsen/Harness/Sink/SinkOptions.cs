using System.Globalization;
using System.Net;

namespace RaftTimers.JepsenLike.Sink;

/// <summary>
/// The command line of <c>jepsen-agent sink --listen IP:PORT --log FILE [--seed N] [--faults PLAN]</c>,
/// parsed by the agent before it starts serving. PORT 0 lets the system pick a free port; the sink prints the
/// address it got.
/// </summary>
public sealed record SinkOptions(IPEndPoint Listen, string LogPath, int Seed, FaultPlan Faults)
{
    public const string Usage = "usage: jepsen-agent sink --listen IP:PORT --log FILE [--seed N] [--faults START-END:MODE[:PARAM],...]";

    /// <summary>Throws <see cref="FormatException"/> with a message fit for the user.</summary>
    public static SinkOptions Parse(IReadOnlyList<string> args)
    {
        string? listen = null, logPath = null, plan = null, seed = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (i + 1 >= args.Count)
                throw new FormatException($"'{args[i]}' expects a value");
            switch (args[i])
            {
                case "--listen": listen = args[++i]; break;
                case "--log": logPath = args[++i]; break;
                case "--faults": plan = args[++i]; break;
                case "--seed": seed = args[++i]; break;
                default: throw new FormatException($"unexpected argument '{args[i]}'");
            }
        }

        if (listen is null || logPath is null)
            throw new FormatException("--listen and --log are required");
        if (!IPEndPoint.TryParse(listen, out var endpoint) || !listen.Contains(':', StringComparison.Ordinal))
            throw new FormatException($"--listen '{listen}': expected IP:PORT");
        var seedValue = 1;
        if (seed is not null && !int.TryParse(seed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seedValue))
            throw new FormatException($"--seed '{seed}': expected an integer");
        return new SinkOptions(endpoint, logPath, seedValue, FaultPlan.Parse(plan));
    }
}
