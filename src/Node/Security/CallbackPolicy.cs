using System.Net;
using RaftTimers.Cluster.Delivery;

namespace RaftTimers.Node.Security;

/// <summary>
/// Which callback targets timers may have (<c>RaftTimers:Security:Callbacks</c>). Three lists of
/// <see cref="CallbackRule"/>s and one rule to combine them, kept simple so an operator can predict it:
/// <list type="number">
/// <item>never the node's own API or Raft port on an address of its own machine (a timer calling its own node);</item>
/// <item>if the Allow list is not empty, the target must match an Allow entry;</item>
/// <item>then it must match no Deny entry: deny wins over allow. The built-in <see cref="CallbackDefaults.Deny"/>
/// entries (the machine itself, private networks, metadata) are part of the Deny list unless <c>DenyDefaults</c> is
/// false, and a target that an Allow or Permit entry names is not held to them, only to the operator's own entries.
/// Permit is Allow without the first rule's restriction: it names exceptions to the defaults and nothing more.</item>
/// </list>
/// A target is checked twice. At create and replace time (<see cref="WhyDenied(Uri)"/>, called by the
/// request parser before anything is proposed) only the URI is known: an IP literal is matched against the
/// network entries, a host name against the name entries, and no DNS lookup is made, because an answer at
/// create time says nothing about the address the callback will reach days later. At delivery time
/// (<see cref="WhyDenied(string, IPAddress, int)"/>, from the callback client's connect step) the address the
/// name resolved to is known too: the target matches an entry if its name matches a name entry or its
/// address matches a network entry. A host name that matches no Allow name entry is therefore accepted at
/// create time when the Allow list has network entries, and held to them when it is delivered.
/// Pure: no I/O, no clock; built once at start and shared by every request and delivery.
/// </summary>
public sealed class CallbackPolicy : ICallbackAddressGuard
{
    public const string Setting = "RaftTimers:Security:Callbacks";

    private readonly CallbackRule[] allow;
    private readonly CallbackRule[] deny;
    private readonly CallbackRule[] permit;
    private readonly OwnEndpoints own;
    private readonly bool allowHasNetworks;

    public CallbackPolicy(IEnumerable<CallbackRule> allow, IEnumerable<CallbackRule> deny, IEnumerable<CallbackRule>? permit = null, OwnEndpoints? own = null)
    {
        this.allow = [.. allow];
        this.deny = [.. deny];
        this.permit = [.. permit ?? []];
        this.own = own ?? OwnEndpoints.None;
        allowHasNetworks = this.allow.Any(r => r.IsNetwork);
    }

    /// <summary>No entries at all and no ports of its own to protect: every target may be reached, and deliveries need no connect-time check.</summary>
    public bool IsUnrestricted => allow.Length == 0 && deny.Length == 0 && own.Ports.Count == 0;

    /// <summary>
    /// Builds the policy from its settings: comma-separated entries, plus the defaults unless
    /// <paramref name="denyDefaults"/> is false. Throws <see cref="InvalidOperationException"/> naming the
    /// setting and the bad entry, so a misconfigured node stops at start.
    /// </summary>
    public static CallbackPolicy FromSettings(string? allow, string? deny, bool denyDefaults, string? permit = null, OwnEndpoints? own = null)
    {
        var denyRules = Parse(deny, $"{Setting}:Deny");
        if (denyDefaults)
            denyRules.AddRange(CallbackDefaults.Deny); // after the operator's, whose reasons are the more specific

        return new CallbackPolicy(Parse(allow, $"{Setting}:Allow"), denyRules, Parse(permit, $"{Setting}:Permit"), own);
    }

    /// <summary>The create/replace check of a callback URI; null when it may be stored, else a reason for the 400.</summary>
    public string? WhyDenied(Uri target)
    {
        var host = TargetHost(target, out var literal);
        if (literal is not null)
        {
            if (own.Contains(literal, target.Port))
                return OwnPort($"address {literal} port {target.Port}");
            if (allow.Length > 0 && !allow.Any(r => r.MatchesAddress(literal)))
                return NotAllowed($"address {literal}");
            return FirstDenial(host, literal) is { } rule ? Denied($"address {literal}", rule) : null;
        }

        // A name that no Allow name entry matches may still resolve into an allowed network: that is
        // decided at delivery, on the address it resolves to.
        if (allow.Length > 0 && !allowHasNetworks && !allow.Any(r => r.MatchesHost(host)))
            return NotAllowed($"host {host}");
        return FirstDenial(host, null) is { } denied ? Denied($"host {host}", denied) : null;
    }

    /// <summary>The delivery-time check of one resolved address of a callback's host; see <see cref="ICallbackAddressGuard"/>.</summary>
    public string? WhyDenied(string host, IPAddress address, int port)
    {
        var name = NormalizeHost(host);
        var target = $"address {CallbackRule.Normalize(address)} of host {name}";
        if (own.Contains(address, port))
            return OwnPort($"{target} port {port}");
        if (allow.Length > 0 && FirstMatch(allow, name, address) is null)
            return NotAllowed(target);
        return FirstDenial(name, address) is { } rule ? Denied(target, rule) : null;
    }

    /// <summary>The lists in effect, for the start-up log line.</summary>
    public string Describe()
        => $"allow {(allow.Length == 0 ? "any target" : string.Join(", ", allow.Select(r => r.Text)))}; "
            + $"deny {(deny.Length == 0 ? "nothing" : string.Join(", ", deny.Select(r => r.Text)))}; "
            + $"permit past the defaults {(permit.Length == 0 ? "nothing" : string.Join(", ", permit.Select(r => r.Text)))}; "
            + $"never this node's ports {(own.Ports.Count == 0 ? "(none)" : string.Join(", ", own.Ports))}";

    /// <summary>
    /// The first Deny entry the target matches, passing over a default entry where an Allow or Permit entry names the
    /// same kind of thing: a network entry lifts the default networks for the addresses inside it, a name entry the
    /// default names for the names it matches. An allowed name never lifts an address entry: it may resolve anywhere.
    /// </summary>
    private CallbackRule? FirstDenial(string host, IPAddress? address)
    {
        foreach (var rule in deny)
        {
            // The Allow and Permit lists are looked at only for a default entry the target matches: most targets match none.
            var isDefault = rule.Note is not null;
            if (rule.MatchesHost(host) && !(isDefault && NamesHost(host)))
                return rule;
            if (address is not null && rule.MatchesAddress(address) && !(isDefault && NamesAddress(address)))
                return rule;
        }

        return null;
    }

    private bool NamesHost(string host) => permit.Any(r => r.MatchesHost(host)) || allow.Any(r => r.MatchesHost(host));

    private bool NamesAddress(IPAddress address) => permit.Any(r => r.MatchesAddress(address)) || allow.Any(r => r.MatchesAddress(address));

    /// <summary>The URI's host in the form rules match: lower-case ASCII (punycode), no trailing dot; IP literals parsed.</summary>
    public static string TargetHost(Uri target, out IPAddress? literal)
    {
        literal = null;
        if (target.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            && IPAddress.TryParse(target.Host.AsSpan().Trim("[]"), out var address))
        {
            literal = CallbackRule.Normalize(address);
            return literal.ToString();
        }

        return NormalizeHost(target.IdnHost);
    }

    private static string NormalizeHost(string host) => host.TrimEnd('.').ToLowerInvariant();

    private static CallbackRule? FirstMatch(CallbackRule[] rules, string host, IPAddress? address)
    {
        foreach (var rule in rules)
        {
            if (rule.MatchesHost(host) || (address is not null && rule.MatchesAddress(address)))
                return rule;
        }

        return null;
    }

    private static string NotAllowed(string target) => $"callback {target} matches no entry of {Setting}:Allow";

    private static string OwnPort(string target) => $"callback {target} is this node's own API or Raft port";

    private static string Denied(string target, CallbackRule rule) => rule.Note is null
        ? $"callback {target} is denied by {Setting}:Deny entry {rule.Text}"
        : $"callback {target} is denied by the default deny entry {rule.Text} ({rule.Note}; naming it in {Setting}:Permit allows it)";

    private static List<CallbackRule> Parse(string? entries, string setting)
    {
        var rules = new List<CallbackRule>();
        foreach (var entry in (entries ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!CallbackRule.TryParse(entry, out var rule, out var error))
                throw new InvalidOperationException($"{setting}: {error}");
            rules.Add(rule);
        }

        return rules;
    }
}
