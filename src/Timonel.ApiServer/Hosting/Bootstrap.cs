using System.Text.Json.Nodes;
using Timonel.ApiServer.Rest;

namespace Timonel.ApiServer.Hosting;

/// <summary>The objects every cluster has from its first start: the four system namespaces.</summary>
public static class Bootstrap
{
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task EnsureSystemObjectsAsync(ApiContext api, CancellationToken ct)
    {
        var namespaces = api.Namespaces;
        foreach (var name in SystemNamespaces)
        {
            var (existing, _) = await namespaces.GetAsync(null, name, ct);
            if (existing is not null) continue;
            var ns = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } };
            ObjectPreparation.PrepareForCreate(ns, namespaces.Resource, null, api.Time.GetUtcNow());
            await namespaces.CreateAsync(ns, ct);
        }
    }
}
