using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;
using Timonel.Storage;

namespace Timonel.ApiServer.Storage;

/// <summary>What a guaranteed update did: the object written (or deleted), or why not.</summary>
public sealed record UpdateOutcome(JsonObject? Object, ApiError? Error, bool Deleted = false);

/// <summary>
/// Reserves what a changed object needs outside itself (a Service's new ClusterIP or node ports)
/// just before it is written. Returns why it cannot be written, or how to settle once the write is
/// known: <c>true</c> when it was written (free what the old object held and the new one does not),
/// <c>false</c> when it was not (free what this call reserved).
/// </summary>
public delegate Task<(ApiError? Error, Func<bool, Task>? Settle)> UpdateReservation(JsonObject updated, JsonObject current, CancellationToken ct);

/// <summary>The page of a list: the items, the revision they were read at, and the continuation.</summary>
public sealed record ListPage(IReadOnlyList<JsonObject> Items, long Revision, string? Continue, long? RemainingItemCount);

/// <summary>A page of anything a list produces: items, the revision read at, the continuation.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Revision, string? Continue, long? RemainingItemCount);

/// <summary>
/// The objects of one resource in the key-value store, keyed
/// <c>KeyPrefix + [namespace/] + name</c>. Speaks objects and API errors; the store speaks revisions.
/// </summary>
public sealed class ObjectStore(IKeyValueStore store, ResourceInfo resource)
{
    private const int MaxUpdateAttempts = 64;

    public ResourceInfo Resource => resource;
    public IKeyValueStore Backend => store;

    public string Key(string? ns, string name) => resource.Namespaced ? $"{resource.KeyPrefix}{ns}/{name}" : resource.KeyPrefix + name;

    /// <summary>The prefix holding every object of a namespace, or of the whole resource.</summary>
    public string Prefix(string? ns) => resource.Namespaced && !string.IsNullOrEmpty(ns) ? $"{resource.KeyPrefix}{ns}/" : resource.KeyPrefix;

    public async Task<(JsonObject? Object, ApiError? Error)> GetAsync(string? ns, string name, CancellationToken ct)
    {
        var got = await store.GetAsync(Key(ns, name), 0, ct);
        return got.Item is null ? (null, NotFound(name)) : (ObjectCodec.Decode(got.Item), null);
    }

    public async Task<(ListPage? Page, ApiError? Error)> ListAsync(string? ns, ListOptions options, CancellationToken ct)
    {
        var (page, error) = await ListCoreAsync(ns, options, kv =>
        {
            var obj = ObjectCodec.Decode(kv);
            return options.Labels.Matches(ObjectMeta.Labels(obj)) && options.Fields.Matches(obj) ? obj : null;
        }, ct);
        return page is null ? (null, error) : (new ListPage(page.Items, page.Revision, page.Continue, page.RemainingItemCount), null);
    }

    /// <summary>
    /// A list without selectors, as the stored bytes: nothing is parsed, so the response can splice
    /// each object's resourceVersion in while copying (see <see cref="StoredJson"/>).
    /// </summary>
    public Task<(Page<KeyValue>? Page, ApiError? Error)> ListStoredAsync(string? ns, ListOptions options, CancellationToken ct) =>
        ListCoreAsync(ns, options, kv => kv, ct);

    /// <summary>
    /// Pages through the range (from a continue token, or at an exact revision), keeping what
    /// <paramref name="select"/> returns (null skips the key) until the limit is reached.
    /// </summary>
    private async Task<(Page<T>? Page, ApiError? Error)> ListCoreAsync<T>(string? ns, ListOptions options, Func<KeyValue, T?> select, CancellationToken ct)
        where T : class
    {
        var prefix = Prefix(ns);
        var end = KeyRange.PrefixEnd(prefix);
        var start = prefix;
        long revision = 0;
        if (!string.IsNullOrEmpty(options.Continue))
        {
            var token = ContinueToken.TryDecode(options.Continue);
            if (token is null || !token.StartKey.StartsWith(prefix, StringComparison.Ordinal))
            {
                return (null, ApiError.BadRequest("continue key is not valid: invalid continue token"));
            }
            start = KeyRange.After(token.StartKey);
            revision = token.Revision;
        }
        else if (options.ResourceVersionMatch == "Exact" && long.TryParse(options.ResourceVersion, out var exact))
        {
            revision = exact;
        }
        else if (options.ResourceVersion is not ("" or "0") && long.TryParse(options.ResourceVersion, out var atLeast)
            && await store.GetRevisionAsync(ct) is var current && atLeast > current)
        {
            // "Not older than" a revision the store has not reached (upstream, after its cache waited too).
            return (null, new ApiError(504, "Timeout", $"Too large resource version: {atLeast}, current: {current}"));
        }
        var filtered = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
        var items = new List<T>();
        string? lastKey = null;
        var more = false;
        try
        {
            while (true)
            {
                var want = options.Limit > 0 ? options.Limit - items.Count : 0;
                var page = await store.RangeAsync(new RangeRequest(start, end, revision, want > 0 ? Math.Max(want, filtered ? 100 : want) : 0), ct);
                // A list at a given revision (a continuation, or Exact) reports that revision, as
                // upstream does; the store's answer carries its current one.
                if (revision == 0) revision = page.Revision;
                more = page.More;
                foreach (var kv in page.Items)
                {
                    if (options.Limit > 0 && items.Count >= options.Limit)
                    {
                        more = true;
                        break;
                    }
                    lastKey = kv.Key;
                    if (select(kv) is { } item)
                    {
                        items.Add(item);
                    }
                }
                if (!more || options.Limit <= 0 || items.Count >= options.Limit || lastKey is null)
                {
                    break;
                }
                start = KeyRange.After(lastKey);
            }
        }
        catch (CompactedException e)
        {
            return (null, ApiError.Gone($"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list. ({e.Message})"));
        }
        catch (FutureRevisionException e)
        {
            return (null, new ApiError(504, "Timeout", $"Too large resource version: {options.ResourceVersion}, current: {e.Message}"));
        }
        string? cont = null;
        long? remaining = null;
        if (more && lastKey is not null)
        {
            cont = new ContinueToken(revision, lastKey).Encode();
            if (!filtered)
            {
                var count = await store.CountAsync(prefix, ct);
                remaining = Math.Max(0, count - items.Count);
            }
        }
        return (new Page<T>(items, revision, cont, remaining), null);
    }

    public async Task<(JsonObject? Object, ApiError? Error)> CreateAsync(JsonObject obj, CancellationToken ct)
    {
        var name = ObjectMeta.Name(obj)!;
        var result = await store.CreateAsync(Key(ObjectMeta.Namespace(obj), name), ObjectCodec.Encode(obj), ct);
        if (result.Status == WriteStatus.AlreadyExists)
        {
            return (null, ApiError.AlreadyExists(resource.QualifiedName, name, resource.Group));
        }
        ObjectCodec.SetResourceVersion(obj, result.Revision);
        return (obj, null);
    }

    /// <summary>
    /// Reads the object, lets <paramref name="mutate"/> compute the new one from a private copy, and
    /// writes it if the object did not change meanwhile; otherwise reads again and retries, unless
    /// the new object names a resourceVersion (then a stale one is a 409 Conflict).
    /// <paramref name="mutate"/> returns null (with no error) to delete the object instead
    /// (the last finalizer of a deleting object went away). <paramref name="reserve"/>, when given,
    /// runs before each write of a changed object and is settled by its outcome.
    /// </summary>
    public async Task<UpdateOutcome> GuaranteedUpdateAsync(
        string? ns, string name, Func<JsonObject, (JsonObject? Updated, ApiError? Error)> mutate, CancellationToken ct,
        UpdateReservation? reserve = null)
    {
        var key = Key(ns, name);
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var got = await store.GetAsync(key, 0, ct);
            if (got.Item is null)
            {
                return new(null, NotFound(name));
            }
            var current = ObjectCodec.Decode(got.Item);
            var (updated, error) = mutate(current);
            if (error is not null)
            {
                return new(null, error);
            }
            WriteResult result;
            if (updated is null)
            {
                result = await store.DeleteAsync(key, got.Item.ModRevision, ct);
                if (result.Succeeded)
                {
                    var deleted = ObjectCodec.Decode(result.Current!);
                    ObjectCodec.SetResourceVersion(deleted, result.Revision);
                    return new(deleted, null, Deleted: true);
                }
            }
            else
            {
                var requested = ObjectMeta.ResourceVersion(updated);
                if (!string.IsNullOrEmpty(requested) && requested != got.Item.ModRevision.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return new(null, ApiError.Conflict(resource.QualifiedName, name, resource.Group));
                }
                if (JsonNode.DeepEquals(WithoutRv(updated), WithoutRv(current)))
                {
                    return new(current, null);
                }
                Func<bool, Task>? settle = null;
                if (reserve is not null)
                {
                    (error, settle) = await reserve(updated, current, ct);
                    if (error is not null)
                    {
                        return new(null, error);
                    }
                }
                try
                {
                    result = await store.UpdateAsync(key, ObjectCodec.Encode(updated), got.Item.ModRevision, ct);
                }
                catch
                {
                    if (settle is not null) await settle(false);
                    throw;
                }
                if (settle is not null) await settle(result.Succeeded);
                if (result.Succeeded)
                {
                    ObjectCodec.SetResourceVersion(updated, result.Revision);
                    return new(updated, null);
                }
            }
            if (result.Status == WriteStatus.NotFound)
            {
                return new(null, NotFound(name));
            }
        }
        return new(null, ApiError.Conflict(resource.QualifiedName, name, resource.Group));
    }

    public async Task<(JsonObject? Object, ApiError? Error)> DeleteAsync(string? ns, string name, long expectedRevision, CancellationToken ct)
    {
        var result = await store.DeleteAsync(Key(ns, name), expectedRevision, ct);
        return result.Status switch
        {
            WriteStatus.Ok => (WithRevision(ObjectCodec.Decode(result.Current!), result.Revision), null),
            WriteStatus.NotFound => (null, NotFound(name)),
            _ => (null, ApiError.Conflict(resource.QualifiedName, name, resource.Group)),
        };
    }

    private static JsonObject WithRevision(JsonObject obj, long revision)
    {
        ObjectCodec.SetResourceVersion(obj, revision);
        return obj;
    }

    private static JsonObject WithoutRv(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        return copy;
    }

    private ApiError NotFound(string name) => ApiError.NotFound(resource.QualifiedName, name, resource.Group);
}
