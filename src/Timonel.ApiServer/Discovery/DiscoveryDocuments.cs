using System.Text.Json.Nodes;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.Discovery;

/// <summary>
/// The discovery documents, built once from the registry: aggregated (apidiscovery.k8s.io v2 and
/// v2beta1, one request for everything) and legacy (APIVersions, APIGroupList, APIResourceList).
/// </summary>
public sealed class DiscoveryDocuments(ResourceRegistry registry, string serverAddress)
{
    public const string AggregatedV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public const string AggregatedV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private static readonly Dictionary<string, string[]> SubresourceVerbs = new()
    {
        ["status"] = ["get", "patch", "update"],
        ["scale"] = ["get", "patch", "update"],
        ["binding"] = ["create"],
        ["log"] = ["get"],
        ["exec"] = ["create", "get"],
        ["attach"] = ["create", "get"],
        ["portforward"] = ["create", "get"],
        ["eviction"] = ["create"],
        ["proxy"] = ["create", "delete", "get", "patch", "update"],
        ["finalize"] = ["update"],
        ["token"] = ["create"],
    };

    public JsonObject Aggregated(bool core, string version) => new()
    {
        ["kind"] = "APIGroupDiscoveryList",
        ["apiVersion"] = $"apidiscovery.k8s.io/{version}",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(registry.Groups.Where(g => (g.Name.Length == 0) == core).Select(g => (JsonNode)AggregatedGroup(g)).ToArray()),
    };

    private static JsonObject AggregatedGroup(GroupInfo group) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = group.Name },
        ["versions"] = new JsonArray(group.Versions.Select(v => (JsonNode)new JsonObject
        {
            ["version"] = v,
            ["resources"] = new JsonArray(group.ByVersion[v].Select(r => (JsonNode)AggregatedResource(r)).ToArray()),
            ["freshness"] = "Current",
        }).ToArray()),
    };

    private static JsonObject AggregatedResource(ResourceInfo r)
    {
        var obj = new JsonObject
        {
            ["resource"] = r.Plural,
            ["responseKind"] = Gvk(r.Group, r.Version, r.Kind),
            ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = r.Singular,
            ["verbs"] = Strings(r.Verbs),
        };
        if (r.ShortNames.Count > 0) obj["shortNames"] = Strings(r.ShortNames);
        if (r.Categories.Count > 0) obj["categories"] = Strings(r.Categories);
        if (r.Subresources.Count > 0)
        {
            obj["subresources"] = new JsonArray(r.Subresources.Select(s => (JsonNode)new JsonObject
            {
                ["subresource"] = s,
                ["responseKind"] = SubresourceKind(r, s),
                ["verbs"] = Strings(SubresourceVerbs.GetValueOrDefault(s, ["get"])),
            }).ToArray());
        }
        return obj;
    }

    private static JsonObject SubresourceKind(ResourceInfo r, string sub) => sub switch
    {
        "scale" => Gvk("autoscaling", "v1", "Scale"),
        "binding" => Gvk("", "v1", "Binding"),
        "eviction" => Gvk("policy", "v1", "Eviction"),
        "token" => Gvk("authentication.k8s.io", "v1", "TokenRequest"),
        "log" or "exec" or "attach" or "portforward" or "proxy" => Gvk("", "v1", sub switch
        {
            "exec" => "PodExecOptions",
            "attach" => "PodAttachOptions",
            "portforward" => "PodPortForwardOptions",
            "log" => "Pod",
            _ => r.Kind,
        }),
        _ => Gvk(r.Group, r.Version, r.Kind),
    };

    public JsonObject ApiVersions() => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(registry.Groups.Where(g => g.Name.Length > 0).Select(g => (JsonNode)Group(g)).ToArray()),
    };

    public JsonObject? GroupDocument(string name) =>
        registry.Groups.FirstOrDefault(g => g.Name == name && name.Length > 0) is { } g ? Group(g) : null;

    private static JsonObject Group(GroupInfo g)
    {
        var versions = g.Versions.Select(v => new JsonObject { ["groupVersion"] = $"{g.Name}/{v}", ["version"] = v }).ToList();
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = g.Name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)v).ToArray()),
            ["preferredVersion"] = versions[0].DeepClone(),
        };
    }

    public JsonObject? ResourceList(string group, string version)
    {
        var g = registry.Groups.FirstOrDefault(x => x.Name == group);
        if (g is null || !g.ByVersion.TryGetValue(version, out var resources))
        {
            return null;
        }
        var items = new JsonArray();
        foreach (var r in resources)
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(r.Verbs),
            };
            if (r.ShortNames.Count > 0) entry["shortNames"] = Strings(r.ShortNames);
            if (r.Categories.Count > 0) entry["categories"] = Strings(r.Categories);
            items.Add(entry);
            foreach (var s in r.Subresources)
            {
                var kind = SubresourceKind(r, s);
                var sub = new JsonObject
                {
                    ["name"] = $"{r.Plural}/{s}",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = kind["kind"]!.GetValue<string>(),
                    ["verbs"] = Strings(SubresourceVerbs.GetValueOrDefault(s, ["get"])),
                };
                if (kind["group"]!.GetValue<string>() != r.Group || kind["version"]!.GetValue<string>() != r.Version)
                {
                    sub["group"] = kind["group"]!.GetValue<string>();
                    sub["version"] = kind["version"]!.GetValue<string>();
                }
                items.Add(sub);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = items,
        };
    }

    private static JsonObject Gvk(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v).ToArray());
}
