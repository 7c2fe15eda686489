using System.Text.RegularExpressions;

namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// How lab namespaces are named: <c>rj{pid}-{lab}-{host}</c>, for example <c>rj48213-a-n1</c> or
/// <c>rj48213-a-hb</c>. <c>pid</c> is the creating process, so <see cref="NetworkLab.RemoveStaleLabsAsync"/> can
/// tell a lab left behind by a dead run from one still in use; <c>lab</c> is one character (0-9, a-z) that keeps
/// several labs of one process apart (parallel tests); <c>host</c> is a two-character code: "n1".."n9", "hb" (the
/// hub holding the bridge), "sk" (sink), "cl" (client), "pr" (the throwaway namespace of a probe). The longest
/// name (a 7-digit pid) has 14 characters, within the 15 that interface names allow, so the same scheme would
/// also do for interface names.
/// </summary>
public static partial class LabNames
{
    public const string Prefix = "rj";
    public const int MaxLength = 15;
    public const string LabIds = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>The start shared by every namespace of one lab, e.g. <c>rj48213-a-</c>.</summary>
    public static string LabPrefix(int ownerPid, char labId)
    {
        if (ownerPid <= 0 || ownerPid > 9_999_999)
            throw new ArgumentOutOfRangeException(nameof(ownerPid), ownerPid, "a pid has 1 to 7 digits");
        if (!LabIds.Contains(labId, StringComparison.Ordinal))
            throw new ArgumentOutOfRangeException(nameof(labId), labId, "a lab id is one of 0-9, a-z");
        return $"{Prefix}{ownerPid}-{labId}-";
    }

    public static string Namespace(int ownerPid, char labId, string host)
    {
        var name = LabPrefix(ownerPid, labId) + HostCode(host);
        if (name.Length > MaxLength)
            throw new InvalidOperationException($"namespace name '{name}' is longer than {MaxLength} characters");
        return name;
    }

    /// <summary>"n1".."n9" stay as they are; hub, sink, client and probe get two-letter codes.</summary>
    public static string HostCode(string host) => host switch
    {
        "hub" => "hb",
        "sink" => "sk",
        "client" => "cl",
        "probe" => "pr",
        _ when IsNode(host) => host,
        _ => throw new ArgumentException($"unknown lab host '{host}'", nameof(host)),
    };

    public static bool IsNode(string host) => host.Length == 2 && host[0] == 'n' && host[1] is >= '1' and <= '9';

    /// <summary>The creating process of a namespace named by this scheme; false for any other name.</summary>
    public static bool TryParseOwner(string namespaceName, out int ownerPid)
    {
        var match = NamePattern().Match(namespaceName);
        ownerPid = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return match.Success;
    }

    [GeneratedRegex("^rj([1-9][0-9]{0,6})-[0-9a-z]-(n[1-9]|hb|sk|cl|pr)$")]
    private static partial Regex NamePattern();
}
