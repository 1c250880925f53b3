using System.Globalization;
using k8s.Models;

namespace Timonel.Kubelet.Env;

/// <summary>The Services a pod's environment describes (the kubelet reads them from its Service informer).</summary>
public interface IServiceSource
{
    Task<IReadOnlyList<V1Service>> ListServicesAsync(string ns, CancellationToken ct);
}

/// <summary>
/// The service link variables, as the kubelet makes them: for every Service with a cluster IP in the
/// pod's namespace (when <c>enableServiceLinks</c>, the default) and always for <c>kubernetes</c> in
/// <c>default</c>: <c>NAME_SERVICE_HOST</c>, <c>NAME_SERVICE_PORT</c> (first port),
/// <c>NAME_SERVICE_PORT_PORTNAME</c> per named port, and the Docker link style <c>NAME_PORT</c>,
/// <c>NAME_PORT_80_TCP</c>, <c>..._PROTO</c>, <c>..._PORT</c>, <c>..._ADDR</c>. NAME is the Service
/// name upper-cased with '-' as '_'.
/// </summary>
public static class ServiceEnvironment
{
    public const string MasterNamespace = "default";
    public const string MasterService = "kubernetes";

    public static async Task<Dictionary<string, string>> BuildAsync(IServiceSource services, string ns, bool enableServiceLinks, CancellationToken ct)
    {
        var chosen = new Dictionary<string, V1Service>(StringComparer.Ordinal);
        var namespaces = enableServiceLinks && ns != MasterNamespace ? new[] { MasterNamespace, ns } : [MasterNamespace];
        foreach (var listNs in namespaces)
        {
            foreach (var service in await services.ListServicesAsync(listNs, ct).ConfigureAwait(false))
            {
                if (!HasClusterIp(service))
                {
                    continue;
                }
                var name = service.Metadata.Name;
                if (listNs == MasterNamespace && name == MasterService)
                {
                    chosen.TryAdd(name, service);
                }
                else if (listNs == ns && enableServiceLinks)
                {
                    chosen[name] = service;
                }
            }
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in chosen.Values.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            Add(result, service);
        }
        return result;
    }

    private static bool HasClusterIp(V1Service service) =>
        service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None";

    private static void Add(Dictionary<string, string> env, V1Service service)
    {
        var name = EnvName(service.Metadata.Name);
        var ip = service.Spec.ClusterIP;
        var ports = service.Spec.Ports ?? [];
        env[name + "_SERVICE_HOST"] = ip;
        if (ports.Count == 0)
        {
            return;
        }
        env[name + "_SERVICE_PORT"] = Num(ports[0].Port);
        foreach (var port in ports.Where(p => !string.IsNullOrEmpty(p.Name)))
        {
            env[name + "_SERVICE_PORT_" + EnvName(port.Name)] = Num(port.Port);
        }
        var host = ip.Contains(':', StringComparison.Ordinal) ? "[" + ip + "]" : ip;
        var first = ports[0];
        env[name + "_PORT"] = $"{Proto(first).ToLowerInvariant()}://{host}:{Num(first.Port)}";
        foreach (var port in ports)
        {
            var proto = Proto(port);
            var prefix = $"{name}_PORT_{Num(port.Port)}_{proto.ToUpperInvariant()}";
            env[prefix] = $"{proto.ToLowerInvariant()}://{host}:{Num(port.Port)}";
            env[prefix + "_PROTO"] = proto.ToLowerInvariant();
            env[prefix + "_PORT"] = Num(port.Port);
            env[prefix + "_ADDR"] = ip;
        }
    }

    private static string Proto(V1ServicePort port) => string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol;

    private static string Num(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string EnvName(string name) => name.ToUpperInvariant().Replace('-', '_');
}
