namespace RaftTimers.Node.Security;

/// <summary>
/// The deny entries every node starts with unless <c>RaftTimers:Security:Callbacks:DenyDefaults</c> is false: the
/// machine itself (loopback, and the unspecified addresses, which reach loopback on Linux), private and shared
/// networks, link-local, multicast, and cloud instance metadata, which hands out credentials to whoever asks from
/// inside the machine. A callback is an HTTP request the node makes on a stranger's behalf; by default it reaches
/// only the public internet. Receivers on the operator's own networks are allowed by naming them in
/// <c>RaftTimers:Security:Callbacks:Permit</c> (or Allow), which lifts these entries for what it names and nothing
/// else. The metadata entries come first, so that a reason names them rather than the wider range around them. The
/// names only give an early 400 for the obvious spellings; the address entries, checked again on the address each
/// delivery connects to, are what keep callbacks away from these places.
/// </summary>
public static class CallbackDefaults
{
    public static IReadOnlyList<CallbackRule> Deny { get; } =
    [
        CallbackRule.Default("169.254.0.0/16", "IPv4 link-local, where clouds serve instance metadata at 169.254.169.254"),
        CallbackRule.Default("fd00:ec2::254", "AWS instance metadata over IPv6"),
        CallbackRule.Default("fd20:ce::254", "Google Cloud metadata over IPv6"),
        CallbackRule.Default("100.100.100.200", "Alibaba Cloud instance metadata"),
        CallbackRule.Default("168.63.129.16", "Azure platform endpoint (WireServer)"),
        CallbackRule.Default("127.0.0.0/8", "loopback: this machine"),
        CallbackRule.Default("::1/128", "IPv6 loopback: this machine"),
        CallbackRule.Default("0.0.0.0/8", "unspecified: reaches this machine on Linux"),
        CallbackRule.Default("::/128", "IPv6 unspecified: reaches this machine on Linux"),
        CallbackRule.Default("10.0.0.0/8", "private network"),
        CallbackRule.Default("172.16.0.0/12", "private network"),
        CallbackRule.Default("192.168.0.0/16", "private network"),
        CallbackRule.Default("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
        CallbackRule.Default("fc00::/7", "IPv6 unique local network"),
        CallbackRule.Default("fe80::/10", "IPv6 link-local"),
        CallbackRule.Default("224.0.0.0/4", "IPv4 multicast"),
        CallbackRule.Default("255.255.255.255/32", "IPv4 broadcast"),
        CallbackRule.Default("ff00::/8", "IPv6 multicast"),
        CallbackRule.Default("localhost", "this machine, by name"),
        CallbackRule.Default("*.localhost", "this machine, by name"),
        CallbackRule.Default("metadata.google.internal", "Google Cloud metadata"),
        CallbackRule.Default("metadata", "Google Cloud metadata, short name"),
        CallbackRule.Default("instance-data", "AWS instance metadata name"),
    ];
}
