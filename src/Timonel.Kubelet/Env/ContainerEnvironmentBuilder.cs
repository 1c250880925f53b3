using System.Text;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Env;

/// <summary>
/// Builds a container's environment as the kubelet does: <c>envFrom</c> sources first (with their
/// prefix; keys that are not valid variable names are skipped and reported), then <c>env</c> in
/// order, a later definition replacing an earlier one in place. A literal value expands
/// <c>$(NAME)</c> against everything defined before it; values from a source are never expanded.
/// A missing source that is not optional is the container's <c>CreateContainerConfigError</c>.
/// With an <see cref="IServiceSource"/>, the service link variables (<see cref="ServiceEnvironment"/>)
/// are visible to expansion after the container's own and are appended unless the container
/// defines the same name.
/// </summary>
/// <param name="warn">
/// Receives (pod, reason, message) of warnings the kubelet records as events on the pod
/// (<c>InvalidEnvironmentVariableNames</c>); the agent passes its event recorder's Warning.
/// </param>
public sealed class ContainerEnvironmentBuilder(IObjectSource objects, Action<V1Pod, string, string>? warn = null, IServiceSource? services = null)
    : IContainerEnvironmentBuilder
{
    public async Task<ContainerEnvironment> BuildAsync(PodContext pod, V1Container container, CancellationToken ct)
    {
        var ns = pod.Pod.Metadata?.NamespaceProperty ?? "default";
        var sources = new SourceCache(objects, ns);
        var env = new OrderedEnv();
        var serviceEnv = services is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : await ServiceEnvironment.BuildAsync(services, ns, pod.Pod.Spec?.EnableServiceLinks ?? true, ct).ConfigureAwait(false);

        foreach (var from in container.EnvFrom ?? [])
        {
            if (from.ConfigMapRef is { } cmRef)
            {
                var (cm, error) = await sources.ConfigMapAsync(cmRef.Name, ct).ConfigureAwait(false);
                if (error is not null)
                {
                    if (cmRef.Optional == true)
                    {
                        continue;
                    }
                    return Failed(error);
                }
                AddAll(pod.Pod, env, from.Prefix, cm!.Data?.Select(kv => KeyValuePair.Create(kv.Key, kv.Value)), $"configMap {ns}/{cmRef.Name}");
            }
            else if (from.SecretRef is { } secretRef)
            {
                var (secret, error) = await sources.SecretAsync(secretRef.Name, ct).ConfigureAwait(false);
                if (error is not null)
                {
                    if (secretRef.Optional == true)
                    {
                        continue;
                    }
                    return Failed(error);
                }
                AddAll(pod.Pod, env, from.Prefix, secret!.Data?.Select(kv => KeyValuePair.Create(kv.Key, Encoding.UTF8.GetString(kv.Value))), $"secret {ns}/{secretRef.Name}");
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            string value;
            if (!string.IsNullOrEmpty(variable.Value))
            {
                value = EnvExpansion.Expand(variable.Value, name => env.Lookup(name) ?? serviceEnv.GetValueOrDefault(name));
            }
            else if (variable.ValueFrom is { } from)
            {
                var (resolved, skip, error) = await ResolveAsync(pod, container, from, sources, ns, ct).ConfigureAwait(false);
                if (error is not null)
                {
                    return Failed(error);
                }
                if (skip)
                {
                    continue;
                }
                value = resolved;
            }
            else
            {
                value = "";
            }
            env.Set(variable.Name, value);
        }
        foreach (var (name, value) in serviceEnv.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (env.Lookup(name) is null)
            {
                env.Set(name, value);
            }
        }
        return new ContainerEnvironment(env.Items, null);
    }

    private static ContainerEnvironment Failed(string error) => new([], error);

    /// <summary>One valueFrom. Skip: an optional source or key is absent, so the variable is not set at all.</summary>
    private static async Task<(string Value, bool Skip, string? Error)> ResolveAsync(PodContext pod, V1Container container,
        V1EnvVarSource from, SourceCache sources, string ns, CancellationToken ct)
    {
        if (from.FieldRef is { } fieldRef)
        {
            var (value, error) = DownwardFields.ForEnv(pod, fieldRef.FieldPath);
            return (value, false, error);
        }
        if (from.ResourceFieldRef is { } resourceRef)
        {
            var target = ResourceFields.Target(pod.Pod, container, resourceRef.ContainerName);
            if (target is null)
            {
                return ("", false, $"container {resourceRef.ContainerName} not found");
            }
            var (value, error) = ResourceFields.Value(resourceRef, target, pod.NodeAllocatable);
            return (value, false, error);
        }
        if (from.ConfigMapKeyRef is { } cmKey)
        {
            var optional = cmKey.Optional == true;
            var (cm, error) = await sources.ConfigMapAsync(cmKey.Name, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return ("", optional, optional ? null : error);
            }
            if (cm!.Data is not null && cm.Data.TryGetValue(cmKey.Key, out var value))
            {
                return (value, false, null);
            }
            return ("", optional, optional ? null : $"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
        }
        if (from.SecretKeyRef is { } secretKey)
        {
            var optional = secretKey.Optional == true;
            var (secret, error) = await sources.SecretAsync(secretKey.Name, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return ("", optional, optional ? null : error);
            }
            if (secret!.Data is not null && secret.Data.TryGetValue(secretKey.Key, out var bytes))
            {
                return (Encoding.UTF8.GetString(bytes), false, null);
            }
            return ("", optional, optional ? null : $"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
        }
        return ("", false, null);
    }

    private void AddAll(V1Pod pod, OrderedEnv env, string? prefix, IEnumerable<KeyValuePair<string, string>>? data, string source)
    {
        var invalid = new List<string>();
        foreach (var (key, value) in (data ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var name = string.IsNullOrEmpty(prefix) ? key : prefix + key;
            if (!IsEnvVarName(name))
            {
                invalid.Add(name);
                continue;
            }
            env.Set(name, value);
        }
        if (invalid.Count > 0)
        {
            invalid.Sort(StringComparer.Ordinal);
            warn?.Invoke(pod, "InvalidEnvironmentVariableNames", $"Keys [{string.Join(", ", invalid)}] from the EnvFrom {source} were skipped since they are considered invalid environment variable names.");
        }
    }

    /// <summary>
    /// Kubernetes 1.34+ (RelaxedEnvironmentVariableValidation, GA): any printable ASCII except '=',
    /// at least one character.
    /// </summary>
    public static bool IsEnvVarName(string name) =>
        name.Length > 0 && name.All(c => c is >= ' ' and <= '~' && c != '=');

    /// <summary>Variables in first-definition order; a redefinition replaces the value in place.</summary>
    private sealed class OrderedEnv
    {
        private readonly List<KeyValuePair<string, string>> _items = [];
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public IReadOnlyList<KeyValuePair<string, string>> Items => _items;

        public string? Lookup(string name) => _index.TryGetValue(name, out var i) ? _items[i].Value : null;

        public void Set(string name, string value)
        {
            if (_index.TryGetValue(name, out var i))
            {
                _items[i] = KeyValuePair.Create(name, value);
            }
            else
            {
                _index[name] = _items.Count;
                _items.Add(KeyValuePair.Create(name, value));
            }
        }
    }
}
