using System.Globalization;

namespace RaftTimers.Tools.Bench;

/// <summary><c>--name value</c> and <c>--flag</c> arguments after the mode; every option read is checked, unknown ones are errors.</summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    public BenchArgs(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                    values[pending] = null;
                pending = arg[2..];
                var eq = pending.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    values[pending[..eq]] = pending[(eq + 1)..];
                    pending = null;
                }
            }
            else if (pending is not null)
            {
                values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
        }

        if (pending is not null)
            values[pending] = null;
    }

    public string? Text(string name)
    {
        read.Add(name);
        return values.TryGetValue(name, out var v) ? v ?? throw new UsageException($"--{name} needs a value") : null;
    }

    public string Text(string name, string fallback) => Text(name) ?? fallback;

    public bool Flag(string name)
    {
        read.Add(name);
        return values.ContainsKey(name);
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(name);
        if (text is null)
            return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"--{name} must be an integer between {min} and {max}, not '{text}'");
        return value;
    }

    public double Double(string name, double fallback, double min = double.MinValue)
    {
        var text = Text(name);
        if (text is null)
            return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new UsageException($"--{name} must be a number >= {min}, not '{text}'");
        return value;
    }

    /// <summary>Call after every option was read: an option nobody read is a typo.</summary>
    public void RejectUnknown()
    {
        var unknown = values.Keys.Where(k => !read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

public sealed class UsageException(string message) : Exception(message);
