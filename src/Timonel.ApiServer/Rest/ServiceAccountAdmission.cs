using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The ServiceAccount admission step for new pods, as upstream's: a pod runs as
/// <c>spec.serviceAccountName</c> ("default" when unset), and unless automounting is turned off
/// (the pod's <c>automountServiceAccountToken</c>, else the account's), every container and init
/// container mounts a projected volume <c>kube-api-access-XXXXX</c> read-only at
/// <see cref="MountPath"/>: a bound token (<c>token</c>), the cluster CA from the namespace's
/// <c>kube-root-ca.crt</c> ConfigMap (<c>ca.crt</c>) and the pod's namespace (<c>namespace</c>),
/// which is what in-cluster clients read. A container that already mounts something there keeps it.
/// </summary>
/// <remarks>
/// A pod that names an account which does not exist is forbidden, as upstream. The "default"
/// account is the exception (upstream forbids that too): the controller creates it a moment after
/// its namespace, so a pod created in that moment waits for it (up to
/// <see cref="DefaultAccountWait"/>) and then gets its token; on a server without controllers it
/// never comes, so there is no wait, and the pod is admitted without the token volume rather than refused.
/// </remarks>
public static class ServiceAccountAdmission
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string VolumePrefix = "kube-api-access-";
    public const string DefaultAccount = "default";

    /// <summary>How long a new pod waits for its namespace's "default" account to be created.</summary>
    public static readonly TimeSpan DefaultAccountWait = TimeSpan.FromSeconds(2);

    /// <summary>Upstream's bound token lifetime for these volumes (one hour and seven seconds).</summary>
    public const int TokenExpirationSeconds = 3607;

    public static async Task<ApiError?> AdmitPodAsync(ApiContext api, JsonObject pod, CancellationToken ct)
    {
        if (pod["spec"] is not JsonObject spec)
        {
            return null;
        }
        var accountName = spec["serviceAccountName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(accountName))
        {
            accountName = spec["serviceAccount"]?.GetValue<string>();
        }
        if (string.IsNullOrEmpty(accountName))
        {
            accountName = DefaultAccount;
        }
        spec["serviceAccountName"] = accountName;
        spec["serviceAccount"] = accountName;

        var ns = ObjectMeta.Namespace(pod) ?? "default";
        var account = await FindAccountAsync(api, ns, accountName, ct);
        if (account is null && accountName == DefaultAccount && api.Options.ControllersRun)
        {
            account = await WaitForDefaultAccountAsync(api, ns, ct);
        }
        if (account is null && accountName != DefaultAccount)
        {
            return ApiError.Forbidden($"pods \"{ObjectMeta.Name(pod)}\" is forbidden: error looking up service account {ns}/{accountName}: serviceaccount \"{accountName}\" not found");
        }
        var automount = spec["automountServiceAccountToken"]?.GetValue<bool>()
            ?? account?["automountServiceAccountToken"]?.GetValue<bool>()
            ?? true;
        if (automount && account is not null)
        {
            MountToken(spec);
        }
        return null;
    }

    /// <summary>The namespace's "default" account once the controller has created it, or null after <see cref="DefaultAccountWait"/>.</summary>
    private static async Task<JsonObject?> WaitForDefaultAccountAsync(ApiContext api, string ns, CancellationToken ct)
    {
        var store = api.StoreFor(api.Registry.Find("", "v1", "serviceaccounts")!);
        var created = await api.CacheFor(store.Resource).WaitForAsync(store.Key(ns, DefaultAccount), _ => true, DefaultAccountWait, ct);
        return created?.Parse();
    }

    private static async Task<JsonObject?> FindAccountAsync(ApiContext api, string ns, string name, CancellationToken ct)
    {
        var store = api.StoreFor(api.Registry.Find("", "v1", "serviceaccounts")!);
        var cache = api.CacheFor(store.Resource);
        await cache.ReadyAsync(ct);
        // The cache answers almost always; an account created a moment ago is checked in the store.
        return cache.TryGet(store.Key(ns, name))?.Parse() ?? (await store.GetAsync(ns, name, ct)).Object;
    }

    private static void MountToken(JsonObject spec)
    {
        var volumes = spec["volumes"] as JsonArray ?? [];
        var existing = volumes.OfType<JsonObject>()
            .Select(v => v["name"]?.GetValue<string>())
            .FirstOrDefault(n => n is not null && n.StartsWith(VolumePrefix, StringComparison.Ordinal));
        var volumeName = existing ?? VolumePrefix + RandomSuffix();
        var needed = false;
        foreach (var list in new[] { spec["initContainers"], spec["containers"] })
        {
            foreach (var container in (list as JsonArray ?? []).OfType<JsonObject>())
            {
                var mounts = container["volumeMounts"] as JsonArray ?? [];
                if (mounts.OfType<JsonObject>().Any(m => m["mountPath"]?.GetValue<string>() == MountPath))
                {
                    continue;
                }
                mounts.Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = MountPath });
                container["volumeMounts"] = mounts;
                needed = true;
            }
        }
        if (existing is null && needed)
        {
            volumes.Add(TokenVolume(volumeName));
            spec["volumes"] = volumes;
        }
    }

    private static JsonObject TokenVolume(string name) => new()
    {
        ["name"] = name,
        ["projected"] = new JsonObject
        {
            ["defaultMode"] = 420,
            ["sources"] = new JsonArray(
                new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = TokenExpirationSeconds, ["path"] = "token" } },
                new JsonObject
                {
                    ["configMap"] = new JsonObject
                    {
                        ["name"] = "kube-root-ca.crt",
                        ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                    },
                },
                new JsonObject
                {
                    ["downwardAPI"] = new JsonObject
                    {
                        ["items"] = new JsonArray(new JsonObject
                        {
                            ["path"] = "namespace",
                            ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                        }),
                    },
                }),
        },
    };

    /// <summary>Five characters of upstream's name-suffix alphabet (no vowels, no look-alikes).</summary>
    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }
}
