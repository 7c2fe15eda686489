using RaftTimers.Node.Answers;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Admin;

/// <summary>
/// Checks <c>Authorization: Bearer &lt;admin token&gt;</c> on the endpoints that change the cluster (docs/api.md).
/// With no token configured every such request is refused: a cluster is never open to membership changes by default.
/// The comparison is <see cref="BearerToken"/>'s (hashes compared in constant time); the token is never logged or echoed.
/// </summary>
public sealed class AdminAuthorization(BearerToken? adminToken)
{
    /// <summary>Throws a 401 <see cref="ApiException"/> unless the request carries the configured admin token.</summary>
    public void Demand(HttpRequest request)
    {
        if (adminToken is null)
            throw Unauthorized($"no admin token is configured on this node ({NodeSettings.SecuritySection.AdminTokenSetting}), so cluster changes are refused");
        switch (adminToken.Check(request))
        {
            case BearerCheck.Accepted:
                return;
            case BearerCheck.Missing:
                throw Unauthorized("this endpoint needs Authorization: Bearer <admin token>");
            default:
                throw Unauthorized("the admin token is wrong");
        }
    }

    private static ApiException Unauthorized(string reason) => new(StatusCodes.Status401Unauthorized, reason);
}
