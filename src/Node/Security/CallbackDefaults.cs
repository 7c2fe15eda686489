namespace RaftTimers.Node.Security;

/// <summary>
/// The deny entries every node starts with unless <c>RaftTimers:Security:Callbacks:DenyDefaults</c> is false:
/// addresses a callback has no business reaching and that hand out credentials to whoever asks from inside the
/// machine (cloud instance metadata). Loopback and private ranges are deliberately absent: receivers inside
/// the operator's own network are the common case, and the tests deliver to 127.0.0.1. The names only give an
/// early 400 for the obvious spellings; the address entries, checked again on the address each delivery
/// connects to, are what actually keep callbacks away from these services.
/// </summary>
public static class CallbackDefaults
{
    public static IReadOnlyList<CallbackRule> Deny { get; } =
    [
        CallbackRule.Default("169.254.0.0/16", "IPv4 link-local, where clouds serve instance metadata at 169.254.169.254"),
        CallbackRule.Default("fe80::/10", "IPv6 link-local"),
        CallbackRule.Default("fd00:ec2::254", "AWS instance metadata over IPv6"),
        CallbackRule.Default("fd20:ce::254", "Google Cloud metadata over IPv6"),
        CallbackRule.Default("100.100.100.200", "Alibaba Cloud instance metadata"),
        CallbackRule.Default("168.63.129.16", "Azure platform endpoint (WireServer)"),
        CallbackRule.Default("metadata.google.internal", "Google Cloud metadata"),
        CallbackRule.Default("metadata", "Google Cloud metadata, short name"),
        CallbackRule.Default("instance-data", "AWS instance metadata name"),
    ];
}
