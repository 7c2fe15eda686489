namespace RaftTimers.Cluster.Membership;

/// <summary>
/// What each member publishes about itself in DotNext's member metadata, which every member can read: the transport
/// carries no other messages between nodes (docs/dotnext.md).
/// </summary>
public static class MemberMetadata
{
    /// <summary>The member's HTTP API base URL, where followers forward writes and admin requests.</summary>
    public const string ApiKey = "api";

    /// <summary>The member's node id.</summary>
    public const string NodeIdKey = "id";
}
