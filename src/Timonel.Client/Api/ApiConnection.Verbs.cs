using System.Net;
using System.Text;
using k8s;
using k8s.Models;

using Timonel.Api.Scheme;

namespace Timonel.Client.Api;

/// <summary>The generic typed verbs. Namespace is ignored for cluster-scoped types.</summary>
public sealed partial class ApiConnection
{
    public Task<ApiResult<T>> GetAsync<T>(string? ns, string name, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SendAsync<T>(HttpMethod.Get, ResourceTable.PathOf(ResourceTable.For<T>(), ns, name), null, null, ct);

    /// <summary>One page of a list; ns null or empty lists all namespaces.</summary>
    public Task<ApiResult<ObjectList<T>>> ListAsync<T>(string? ns, ListOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SendAsync<ObjectList<T>>(HttpMethod.Get, ResourceTable.PathOf(ResourceTable.For<T>(), ns) + Query(options, watch: false), null, null, ct);

    public Task<ApiResult<T>> CreateAsync<T>(T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SendAsync<T>(HttpMethod.Post, ResourceTable.PathOf(ResourceTable.For<T>(), obj.Metadata?.NamespaceProperty), Json(WithTypeMeta(obj)), null, ct);

    /// <summary>
    /// POST pods/NAME/binding: assigns the pod to a node. The server answers a success Status, so
    /// the value is null on success; a pod already bound or deleted is a 409/404 value.
    /// </summary>
    public Task<ApiResult<V1Pod>> BindAsync(V1Binding binding, CancellationToken ct = default)
    {
        binding.ApiVersion ??= "v1";
        binding.Kind ??= "Binding";
        var path = ResourceTable.PathOf(ResourceTable.For<V1Pod>(), binding.Metadata.NamespaceProperty, binding.Metadata.Name, "binding");
        return SendAsync<V1Pod>(HttpMethod.Post, path, Json(binding), "Status", ct);
    }

    /// <summary>PUT; obj.Metadata.ResourceVersion, when set, makes it conditional (409 Conflict if stale).</summary>
    public Task<ApiResult<T>> UpdateAsync<T>(T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SendAsync<T>(HttpMethod.Put, ResourceTable.PathOf(ResourceTable.For<T>(), obj.Metadata.NamespaceProperty, obj.Metadata.Name), Json(WithTypeMeta(obj)), null, ct);

    /// <summary>PUT on the status subresource: only the status is written.</summary>
    public Task<ApiResult<T>> UpdateStatusAsync<T>(T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SendAsync<T>(HttpMethod.Put, ResourceTable.PathOf(ResourceTable.For<T>(), obj.Metadata.NamespaceProperty, obj.Metadata.Name, "status"), Json(WithTypeMeta(obj)), null, ct);

    /// <summary>
    /// PATCH with a JSON body of the given type. Apply needs a field manager; force takes over
    /// conflicting fields.
    /// </summary>
    public Task<ApiResult<T>> PatchAsync<T>(string? ns, string name, PatchType type, string body,
        string? subresource = null, string? fieldManager = null, bool force = false, CancellationToken ct = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var query = new List<string>();
        if (fieldManager is not null)
        {
            query.Add("fieldManager=" + Uri.EscapeDataString(fieldManager));
        }
        if (force)
        {
            query.Add("force=true");
        }
        var path = ResourceTable.PathOf(ResourceTable.For<T>(), ns, name, subresource) + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(type switch
        {
            PatchType.Merge => "application/merge-patch+json",
            PatchType.StrategicMerge => "application/strategic-merge-patch+json",
            PatchType.Json => "application/json-patch+json",
            _ => "application/apply-patch+yaml",
        });
        return SendAsync<T>(HttpMethod.Patch, path, content, null, ct);
    }

    /// <summary>
    /// DELETE. Value is the object when the server returns it (e.g. still held by finalizers),
    /// null when it returns a success Status. propagation: "Foreground", "Background", "Orphan".
    /// </summary>
    public Task<ApiResult<T>> DeleteAsync<T>(string? ns, string name, string? propagation = null,
        string? preconditionUid = null, CancellationToken ct = default, long? gracePeriodSeconds = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var options = new V1DeleteOptions
        {
            ApiVersion = "v1",
            Kind = "DeleteOptions",
            PropagationPolicy = propagation,
            GracePeriodSeconds = gracePeriodSeconds,
            Preconditions = preconditionUid is null ? null : new V1Preconditions { Uid = preconditionUid },
        };
        return SendAsync<T>(HttpMethod.Delete, ResourceTable.PathOf(ResourceTable.For<T>(), ns, name), Json(options), "Status", ct);
    }

    /// <summary>A list of any built-in resource seen only by its objects' metadata (PartialObjectMetadataList).</summary>
    public Task<ApiResult<ObjectList<PartialObjectMetadata>>> ListMetadataAsync(ResourceInfo resource, string? ns, ListOptions? options = null, CancellationToken ct = default) =>
        SendAsync<ObjectList<PartialObjectMetadata>>(HttpMethod.Get, ResourceTable.PathOf(resource, ns) + Query(options, watch: false), null, null, ct, MetadataListAccept);

    private const string MetadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    private const string MetadataAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content,
        string? successKindWithoutValue, CancellationToken ct, string? accept = null)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (accept is not null)
        {
            request.Headers.Accept.Clear();
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return new(response.StatusCode, null, ParseStatus(text, response.StatusCode));
        }
        if (successKindWithoutValue is not null && text.Contains($"\"kind\":\"{successKindWithoutValue}\"", StringComparison.Ordinal))
        {
            return new(response.StatusCode, null, null);
        }
        return new(response.StatusCode, KubernetesJson.Deserialize<T>(text), null);
    }

    internal static V1Status ParseStatus(string text, HttpStatusCode code)
    {
        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(text);
            if (status is { Kind: "Status" })
            {
                return status;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status body (e.g. a proxy's text): described below.
        }
        return new V1Status { Code = (int)code, Reason = code.ToString(), Message = text.Length > 500 ? text[..500] : text };
    }

    private static StringContent Json(object body)
    {
        var content = new StringContent(KubernetesJson.Serialize(body), Encoding.UTF8);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    /// <summary>The server needs apiVersion and kind in bodies; models built in code often lack them, so they are filled in on obj.</summary>
    private static T WithTypeMeta<T>(T obj) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var info = ResourceTable.For<T>();
        if (string.IsNullOrEmpty(obj.ApiVersion))
        {
            obj.ApiVersion = info.ApiVersion;
        }
        if (string.IsNullOrEmpty(obj.Kind))
        {
            obj.Kind = info.Kind;
        }
        return obj;
    }

    private static string Query(ListOptions? o, bool watch)
    {
        var q = new List<string>();
        if (watch)
        {
            q.Add("watch=true");
        }
        if (o is not null)
        {
            Add("labelSelector", o.LabelSelector);
            Add("fieldSelector", o.FieldSelector);
            Add("limit", o.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("continue", o.Continue);
            Add("resourceVersion", o.ResourceVersion);
            Add("resourceVersionMatch", o.ResourceVersionMatch);
            Add("timeoutSeconds", o.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (o.AllowWatchBookmarks)
            {
                q.Add("allowWatchBookmarks=true");
            }
        }
        return q.Count == 0 ? "" : "?" + string.Join('&', q);

        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                q.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }
    }
}
