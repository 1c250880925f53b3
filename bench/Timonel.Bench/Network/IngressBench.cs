using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Timonel.Bench.Storage;
using Timonel.Network.Ingress;

namespace Timonel.Bench.Network;

/// <summary>
/// Requests/s through the ingress against requests/s straight to the pod, same load: a Kestrel
/// "pod" on 127.0.0.2 answering a small body, the real ingress server (Kestrel + YARP, route
/// table built from Ingress/Service/EndpointSlice objects, no API server) on 127.0.0.1, and C
/// keep-alive HTTP/1.1 connections issuing GETs back to back for S seconds after a warm-up,
/// straight to the pod, then through the ingress by host rule; R rounds alternate the two so
/// that load from elsewhere on a shared machine falls on both alike. Everything runs in this
/// process, so load generator, ingress and pod share the machine's cores, as on a node. It also
/// prints the process's CPU time per request in both cases, whose ratio is what requests/s on an
/// idle saturated machine would give and varies less on a shared one.
/// Flags: --seconds 4 --rounds 5 --connections 32 --body-bytes 256 --warmup-seconds 1.
/// </summary>
internal static class IngressBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var seconds = flags.Int("seconds", 4);
        var rounds = flags.Int("rounds", 5);
        var connections = flags.Int("connections", 32);
        var bodyBytes = flags.Int("body-bytes", 256);
        var warmup = flags.Int("warmup-seconds", 1);
        flags.CheckAllUsed();

        var podPort = FreePort();
        var body = new byte[bodyBytes];
        Array.Fill(body, (byte)'x');
        await using var pod = await StartPodAsync(IPAddress.Parse("127.0.0.2"), podPort, body);
        var table = IngressRouteBuilder.Build(new OneBackend(podPort));
        var certificates = new IngressCertificates(new Dictionary<string, System.Net.Security.SslStreamCertificateContext>(),
            new Dictionary<string, System.Net.Security.SslStreamCertificateContext>(), IngressCertificateStore.SelfSigned());
        var options = new IngressOptions { ListenAddress = IPAddress.Loopback, HttpPort = FreePort(), HttpsPort = FreePort() };
        await using var ingress = await IngressServer.StartAsync(options, () => table, () => certificates, CancellationToken.None);

        Console.WriteLine($"{connections} connections, {rounds} rounds of {seconds} s per target after {warmup} s warm-up, GET of a {bodyBytes}-byte body, {Environment.ProcessorCount} cores");
        var direct = new List<double>();
        var through = new List<double>();
        var directCpu = new List<double>();
        var throughCpu = new List<double>();
        long errors = 0;
        for (var round = 0; round < rounds; round++)
        {
            var d = await HttpLoad.MeasureAsync(new Uri($"http://127.0.0.2:{podPort}/bench"), null, connections, seconds, warmup);
            var t = await HttpLoad.MeasureAsync(new Uri($"http://127.0.0.1:{options.HttpPort}/bench"), "bench.example.test", connections, seconds, warmup);
            direct.Add(d.PerSecond);
            through.Add(t.PerSecond);
            directCpu.Add(d.CpuMicrosPerRequest);
            throughCpu.Add(t.CpuMicrosPerRequest);
            errors += d.Errors + t.Errors;
            Console.WriteLine($"round {round + 1}: straight to the pod {d.PerSecond:F0} requests/s, through the ingress {t.PerSecond:F0} requests/s, ratio {t.PerSecond / d.PerSecond:F2}; CPU per request {d.CpuMicrosPerRequest:F0} µs vs {t.CpuMicrosPerRequest:F0} µs");
        }
        var ratios = direct.Zip(through, (d, t) => t / d).Order().ToList();
        Console.WriteLine($"mean: straight to the pod {direct.Average():F0} requests/s, through the ingress {through.Average():F0} requests/s ({errors} errors)");
        Console.WriteLine($"ratio ingress/direct: {through.Sum() / direct.Sum():F2} overall, median of rounds {ratios[ratios.Count / 2]:F2} (goal >= 0.5)");
        // On a saturated machine requests/s is CPU per request divided into the cores this process
        // gets; that share varies on a shared machine, CPU per request much less.
        Console.WriteLine($"CPU per request (load generator + pod, + ingress): median {Median(directCpu):F0} µs direct, {Median(throughCpu):F0} µs through the ingress; ratio {Median(directCpu) / Median(throughCpu):F2}");
        return errors == 0 ? 0 : 1;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<WebApplication> StartPodAsync(IPAddress address, int port, byte[] body)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One Ingress (host bench.example.test, path /) to one Service with one ready endpoint: the pod.</summary>
    private sealed class OneBackend(int podPort) : IIngressSource
    {
        public IEnumerable<V1Ingress> Ingresses() =>
        [
            new V1Ingress
            {
                Metadata = new V1ObjectMeta { Name = "bench", NamespaceProperty = "bench" },
                Spec = new V1IngressSpec
                {
                    IngressClassName = "timonel",
                    Rules =
                    [
                        new V1IngressRule
                        {
                            Host = "bench.example.test",
                            Http = new V1HTTPIngressRuleValue
                            {
                                Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "pod", Port = new V1ServiceBackendPort { Number = 80 } } } }],
                            },
                        },
                    ],
                },
            },
        ];

        public IEnumerable<V1IngressClass> IngressClasses() =>
            [new V1IngressClass { Metadata = new V1ObjectMeta { Name = "timonel" }, Spec = new V1IngressClassSpec { Controller = "timonel.io/ingress" } }];

        public V1Service? Service(string ns, string name) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
        };

        public IEnumerable<V1EndpointSlice> SlicesOf(string ns, string service) =>
        [
            new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta { Name = service, NamespaceProperty = ns },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = podPort, Protocol = "TCP" }],
                Endpoints = [new V1Endpoint { Addresses = ["127.0.0.2"], Conditions = new V1EndpointConditions { Ready = true } }],
            },
        ];
    }
}
