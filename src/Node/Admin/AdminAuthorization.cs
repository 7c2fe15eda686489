using System.Security.Cryptography;
using System.Text;
using RaftTimers.Node.Http;

namespace RaftTimers.Node.Admin;

/// <summary>
/// Checks <c>Authorization: Bearer &lt;admin token&gt;</c> on the endpoints that change the cluster (API.md).
/// With no token configured every such request is refused: a cluster is never open to membership changes by default.
/// </summary>
/// <remarks>
/// Both sides are hashed with SHA-256 and the hashes compared with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// so the time taken says nothing about the token, not even its length. The token is never logged or echoed.
/// </remarks>
public sealed class AdminAuthorization
{
    private readonly byte[]? expectedHash;

    public AdminAuthorization(string? adminToken)
        => expectedHash = string.IsNullOrEmpty(adminToken) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(adminToken));

    /// <summary>Throws a 401 <see cref="ApiException"/> unless the request carries the configured admin token.</summary>
    public void Demand(HttpRequest request)
    {
        if (expectedHash is null)
            throw Unauthorized("no admin token is configured on this node (RaftTimers:Security:AdminToken), so cluster changes are refused");
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw Unauthorized("this endpoint needs Authorization: Bearer <admin token>");
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()));
        if (!CryptographicOperations.FixedTimeEquals(presented, expectedHash))
            throw Unauthorized("the admin token is wrong");
    }

    private static ApiException Unauthorized(string reason) => new(StatusCodes.Status401Unauthorized, reason);
}
