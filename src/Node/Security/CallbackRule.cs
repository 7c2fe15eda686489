using System.Net;

namespace RaftTimers.Node.Security;

/// <summary>
/// One entry of a callback allow or deny list (<see cref="CallbackPolicy"/>): a host name (exact, or
/// <c>*.example.com</c> for every name below <c>example.com</c>, not <c>example.com</c> itself), an IP
/// address, or a CIDR network (<c>10.0.0.0/8</c>, <c>fe80::/10</c>). Names match names and networks match
/// addresses; a name entry never matches an IP literal and a network entry never matches a name without
/// its resolved address. IPv4-mapped IPv6 addresses (<c>::ffff:169.254.169.254</c>) are matched as IPv4.
/// </summary>
public sealed class CallbackRule
{
    private readonly IPNetwork? network;
    private readonly string? name;
    private readonly bool wildcard;

    private CallbackRule(string text, IPNetwork? network, string? name, bool wildcard, string? note)
    {
        Text = text;
        this.network = network;
        this.name = name;
        this.wildcard = wildcard;
        Note = note;
    }

    /// <summary>The entry in its normalized form, as reasons quote it.</summary>
    public string Text { get; }

    /// <summary>Why a built-in default entry is there; null for an operator's entry.</summary>
    public string? Note { get; }

    public bool IsNetwork => network is not null;

    /// <summary>Parses a configured entry; false with the reason when it is none of the three forms.</summary>
    public static bool TryParse(string entry, out CallbackRule rule, out string error) => TryParse(entry, null, out rule, out error);

    /// <summary>A built-in entry with the reason it is there; throws on a malformed entry (a bug, not configuration).</summary>
    internal static CallbackRule Default(string entry, string note)
        => TryParse(entry, note, out var rule, out var error) ? rule : throw new InvalidOperationException($"default callback rule {entry}: {error}");

    /// <summary>True for a name entry that matches <paramref name="host"/> (lower-case ASCII, no trailing dot).</summary>
    public bool MatchesHost(string host)
    {
        if (name is null)
            return false;
        if (!wildcard)
            return string.Equals(host, name, StringComparison.OrdinalIgnoreCase);
        // "*.example.com" is stored as ".example.com": any name ending in it with at least one label before.
        return host.Length > name.Length && host.EndsWith(name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for a network entry that contains <paramref name="address"/>.</summary>
    public bool MatchesAddress(IPAddress address) => network is { } net && net.Contains(Normalize(address));

    /// <summary>IPv4-mapped IPv6 becomes plain IPv4 and a scope id is dropped, so each address has one spelling to match.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }

    public override string ToString() => Text;

    private static bool TryParse(string entry, string? note, out CallbackRule rule, out string error)
    {
        rule = null!;
        var text = entry.Trim();
        if (text.Length == 0)
        {
            error = "an entry is empty";
            return false;
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            error = $"'{text}' is a URL; write only its host name, IP address or CIDR network";
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
            return TryParseNetwork(text, note, out rule, out error);

        if (LooksLikeAddress(text))
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                error = $"'{text}' is not a valid IP address";
                return false;
            }

            address = Normalize(address);
            var bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            rule = new CallbackRule(address.ToString(), new IPNetwork(address, bits), null, false, note);
            error = "";
            return true;
        }

        return TryParseName(text, note, out rule, out error);
    }

    private static bool TryParseNetwork(string text, string? note, out CallbackRule rule, out string error)
    {
        rule = null!;
        if (!IPNetwork.TryParse(text, out var parsed))
        {
            error = $"'{text}' is not a valid CIDR network (address/prefix length, e.g. 10.0.0.0/8 or fe80::/10)";
            return false;
        }

        // An IPv4-mapped network (::ffff:10.0.0.0/104) is the IPv4 network it maps; addresses are matched as IPv4.
        if (parsed.BaseAddress.IsIPv4MappedToIPv6 && parsed.PrefixLength >= 96)
            parsed = new IPNetwork(parsed.BaseAddress.MapToIPv4(), parsed.PrefixLength - 96);
        rule = new CallbackRule(parsed.ToString(), parsed, null, false, note);
        error = "";
        return true;
    }

    private static bool TryParseName(string text, string? note, out CallbackRule rule, out string error)
    {
        rule = null!;
        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        var name = (wildcard ? text[2..] : text).TrimEnd('.').ToLowerInvariant();
        if (!IsHostName(name))
        {
            error = $"'{text}' is not a host name, '*.' followed by a host name, an IP address or a CIDR network "
                + "(host names are ASCII letters, digits, '-' and '_' in dot-separated labels; write international names in punycode)";
            return false;
        }

        rule = new CallbackRule(wildcard ? "*." + name : name, null, wildcard ? "." + name : name, wildcard, note);
        error = "";
        return true;
    }

    /// <summary>IPv6 always has a colon; IPv4 is taken to be four dot-separated decimal parts (no "10.1" shorthand in configuration).</summary>
    private static bool LooksLikeAddress(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
            return true;
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit));
    }

    private static bool IsHostName(string name)
    {
        if (name.Length is 0 or > 253)
            return false;
        var labels = name.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                return false;
        }

        // A last label of digits only is an address written short ("10.1") or a typo, never a real name.
        return !labels[^1].All(char.IsAsciiDigit);
    }
}
