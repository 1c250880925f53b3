using Timonel.ApiServer.Routing;

namespace Timonel.ApiServer.Security;

/// <summary>The decision on one request: allowed, or denied with the reason shown to the client.</summary>
public readonly record struct Decision(bool Allowed, string Reason);

/// <summary>
/// The authorization seam. Today every authenticated user may do everything (as a single-admin
/// cluster); RBAC will implement this interface over the rbac.authorization.k8s.io objects.
/// </summary>
public interface IAuthorizer
{
    Decision Authorize(UserInfo user, string verb, string group, string resource, string? ns, string? name);
}

/// <summary>Allows every authenticated user everything.</summary>
public sealed class AllowAuthenticated : IAuthorizer
{
    public Decision Authorize(UserInfo user, string verb, string group, string resource, string? ns, string? name) =>
        new(true, "every authenticated user is an administrator of this cluster (RBAC is not enforced yet)");
}
