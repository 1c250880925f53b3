using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Timonel.Storage.Etcd;

/// <summary>
/// One gRPC channel over every endpoint. With several endpoints, calls are spread round-robin over
/// the ones that are up, so a member that goes down only fails the calls in flight on it.
/// </summary>
internal static class EtcdChannelFactory
{
    public static GrpcChannel Create(EtcdStoreOptions options, IReadOnlyList<Uri> endpoints)
    {
        var handler = new SocketsHttpHandler
        {
            // Many watch streams and concurrent writes: do not queue them behind one connection's
            // stream limit.
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.DialTimeout,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        var secure = endpoints[0].Scheme == Uri.UriSchemeHttps;
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
            Credentials = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
        };
        if (endpoints.Count == 1)
        {
            return GrpcChannel.ForAddress(endpoints[0], channelOptions);
        }

        var addresses = endpoints.Select(u => new BalancerAddress(u.Host, u.Port)).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        channelOptions.ServiceProvider = services.BuildServiceProvider();
        channelOptions.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        return GrpcChannel.ForAddress("static:///etcd", channelOptions);
    }
}
