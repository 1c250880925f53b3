using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Network.Dns;

namespace Timonel.Network.NodeComponents;

/// <summary>
/// Cluster DNS of one agent: <see cref="ClusterDns"/> on the node IP, port 53 (UDP and TCP),
/// forwarding names outside the cluster zone to the node's /etc/resolv.conf (on an isolated node
/// they fail, as they would for any process there). Once it answers, the node becomes an endpoint
/// of kube-dns through its own <see cref="KubeDnsEndpointSlice"/>, rewritten when it goes
/// missing or differs (checked on every change of it and every <see cref="RecheckInterval"/>).
/// </summary>
public static class NodeClusterDns
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(NodeNetworkContext node, CancellationToken ct)
    {
        var dns = new ClusterDns(node.Api, new IPEndPoint(node.NodeIp, 53),
            new ClusterDnsOptions { Zone = node.ClusterDomain, Informers = node.Informers, Loggers = node.Loggers, Time = node.Time },
            new ClusterDnsServerOptions { Loggers = node.Loggers });
        // Not disposed: the informer handler may still release it after the run ends (it holds no handle).
        var wake = new SemaphoreSlim(0, 1);
        var name = KubeDnsEndpointSlice.NameFor(node.NodeName);
        node.Informers.GetInformer<V1EndpointSlice>().AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAll(slice =>
        {
            if (slice.Metadata.Name == name && slice.Metadata.NamespaceProperty == KubeDnsEndpointSlice.Namespace && wake.CurrentCount == 0)
            {
                try
                {
                    wake.Release();
                }
                catch (SemaphoreFullException)
                {
                    // A check is already due.
                }
            }
        }));
        var serving = dns.RunAsync(ct);
        var publishing = PublishAsync(node, dns, wake, ct);
        await Task.WhenAll(serving, publishing).ConfigureAwait(false);
    }

    private static async Task PublishAsync(NodeNetworkContext node, ClusterDns dns, SemaphoreSlim wake, CancellationToken ct)
    {
        var logger = node.Loggers.CreateLogger("timonel.network.node");
        var name = KubeDnsEndpointSlice.NameFor(node.NodeName);
        try
        {
            await dns.Ready.WaitAsync(ct).ConfigureAwait(false);
            var published = false;
            Task? woken = null;
            while (!ct.IsCancellationRequested)
            {
                string? error;
                try
                {
                    error = await EnsureSliceAsync(node, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    // The server is unreachable for now (restarting, network): retried like any failure.
                    error = e.Message;
                }
                if (error is not null)
                {
                    NodeLog.DnsEndpointFailed(logger, name, error);
                    await Task.Delay(RetryInterval, node.Time, ct).ConfigureAwait(false);
                    continue;
                }
                if (!published)
                {
                    NodeLog.DnsEndpointPublished(logger, name, node.NodeIp.ToString());
                    published = true;
                }
                // One wait on the semaphore at a time, kept across rechecks so no release is lost.
                woken ??= wake.WaitAsync(ct);
                using var recheck = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var delay = Task.Delay(RecheckInterval, node.Time, recheck.Token);
                if (await Task.WhenAny(woken, delay).ConfigureAwait(false) == woken)
                {
                    woken = null;
                }
                await recheck.CancelAsync().ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping; a DNS server that failed to bind fails the run through its own task.
        }
    }

    /// <summary>Null when the slice is as wanted; else what failed (retried).</summary>
    private static async Task<string?> EnsureSliceAsync(NodeNetworkContext node, CancellationToken ct)
    {
        var self = await node.Api.GetAsync<V1Node>(null, node.NodeName, ct).ConfigureAwait(false);
        if (!self.Ok || self.Value is null)
        {
            return "reading the node: " + self;
        }
        var wanted = KubeDnsEndpointSlice.For(node.NodeName, self.Value.Metadata.Uid, node.NodeIp);
        var existing = await node.Api.GetAsync<V1EndpointSlice>(KubeDnsEndpointSlice.Namespace, wanted.Metadata.Name, ct).ConfigureAwait(false);
        if (existing.IsNotFound)
        {
            var created = await node.Api.CreateAsync(wanted, ct).ConfigureAwait(false);
            return created.Ok ? null : "creating: " + created;
        }
        if (!existing.Ok || existing.Value is null)
        {
            return "reading: " + existing;
        }
        if (KubeDnsEndpointSlice.Updated(existing.Value, wanted) is not { } update)
        {
            return null;
        }
        var updated = await node.Api.UpdateAsync(update, ct).ConfigureAwait(false);
        return updated.Ok ? null : "updating: " + updated;
    }
}
