namespace Timonel.ApiServer.Security;

/// <summary>Who made a request: the user name and groups, as authentication found them.</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    public static readonly string[] AdminGroups = ["system:masters", "system:authenticated"];
}
