using System.Globalization;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// The parsed command line: <c>cluster COMMAND [--option value | --option=value]... [-- extra node args...]</c>.
/// Parsing only splits the words; each command then reads the options it knows through the typed getters
/// and rejects the rest, so a typo such as <c>--node 2</c> on <c>stop</c> fails instead of being ignored.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options;

    private CommandLine(string command, Dictionary<string, string> options, IReadOnlyList<string> extraNodeArgs, bool hasSeparator, bool helpRequested)
    {
        Command = command;
        _options = options;
        ExtraNodeArgs = extraNodeArgs;
        HasSeparator = hasSeparator;
        HelpRequested = helpRequested;
    }

    public string Command { get; }

    /// <summary>The words after <c>--</c>; passed to every node unchanged.</summary>
    public IReadOnlyList<string> ExtraNodeArgs { get; }

    public bool HasSeparator { get; }

    public bool HelpRequested { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var command = "";
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            if (word == "--")
                return new CommandLine(command, options, args.Skip(i + 1).ToArray(), hasSeparator: true, help);
            if (word is "--help" or "-h")
            {
                help = true;
                continue;
            }
            if (word.StartsWith("--", StringComparison.Ordinal))
            {
                var (name, value) = SplitOption(args, ref i);
                if (!options.TryAdd(name, value))
                    throw ToolFailure.Usage($"option {name} given twice");
                continue;
            }
            if (word.StartsWith('-') || command.Length > 0)
                throw ToolFailure.Usage($"unexpected argument '{word}'");
            command = word;
        }
        return new CommandLine(command, options, [], hasSeparator: false, help);
    }

    /// <summary>Reads <c>--name=value</c> or <c>--name value</c>, advancing <paramref name="i"/> past the value.</summary>
    private static (string Name, string Value) SplitOption(IReadOnlyList<string> args, ref int i)
    {
        var word = args[i];
        var equals = word.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
            return (word[..equals], word[(equals + 1)..]);
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw ToolFailure.Usage($"option {word} needs a value");
        i++;
        return (word, args[i]);
    }

    /// <summary>Fails on any option the command does not take, and on <c>--</c> unless it takes extra node args.</summary>
    public void RejectUnknown(IReadOnlyCollection<string> known, bool takesExtraNodeArgs = false)
    {
        foreach (var name in _options.Keys.Where(n => !known.Contains(n)))
            throw ToolFailure.Usage($"'{Command}' does not take {name} (see cluster --help)");
        if (HasSeparator && !takesExtraNodeArgs)
            throw ToolFailure.Usage($"'{Command}' does not take extra node arguments after --");
    }

    public string? Optional(string name) => _options.GetValueOrDefault(name);

    public string Required(string name)
    {
        var value = Optional(name);
        if (string.IsNullOrWhiteSpace(value))
            throw ToolFailure.Usage($"'{Command}' needs {name}");
        return value;
    }

    public int RequiredInt(string name, int min, int max) => ParseInt(name, Required(name), min, max);

    public int OptionalInt(string name, int fallback, int min, int max)
    {
        var value = Optional(name);
        return value is null ? fallback : ParseInt(name, value, min, max);
    }

    private static int ParseInt(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw ToolFailure.Usage($"{name} must be a whole number from {min} to {max}, not '{text}'");
        return value;
    }
}
