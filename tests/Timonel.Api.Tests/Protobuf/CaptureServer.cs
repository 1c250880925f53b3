using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.Api.Protobuf;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>A request body kubectl sent, as received.</summary>
internal sealed record CapturedRequest(string Method, string Path, string? ContentType, byte[] Body);

/// <summary>
/// Test utility: an HTTPS server on 127.0.0.1 that answers kubectl's aggregated discovery for the
/// kinds of <see cref="KubectlCreateCases"/>, records every POST body, and answers 201 with the
/// decoded object (or a 415 Status when it cannot decode, so kubectl fails loudly).
/// </summary>
internal sealed class CaptureServer : IAsyncDisposable
{
    private const string DiscoveryType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    // (group, version, resource, singular, kind, namespaced)
    private static readonly (string Group, string Resource, string Singular, string Kind, bool Namespaced)[] Resources =
    [
        ("", "namespaces", "namespace", "Namespace", false),
        ("", "configmaps", "configmap", "ConfigMap", true),
        ("", "secrets", "secret", "Secret", true),
        ("", "services", "service", "Service", true),
        ("", "serviceaccounts", "serviceaccount", "ServiceAccount", true),
        ("", "resourcequotas", "resourcequota", "ResourceQuota", true),
        ("", "pods", "pod", "Pod", true),
        ("", "nodes", "node", "Node", false),
        ("apps", "deployments", "deployment", "Deployment", true),
        ("batch", "jobs", "job", "Job", true),
        ("batch", "cronjobs", "cronjob", "CronJob", true),
        ("rbac.authorization.k8s.io", "roles", "role", "Role", true),
        ("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true),
        ("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false),
        ("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false),
        ("networking.k8s.io", "ingresses", "ingress", "Ingress", true),
        ("policy", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true),
        ("scheduling.k8s.io", "priorityclasses", "priorityclass", "PriorityClass", false),
    ];

    private readonly WebApplication _app;

    public ConcurrentQueue<CapturedRequest> Requests { get; } = new();

    public string Url { get; }

    private CaptureServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<CaptureServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = SelfSignedCertificate();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        CaptureServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Urls.Single();
        server = new CaptureServer(app, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        Requests.Enqueue(new CapturedRequest(request.Method, request.Path + request.QueryString, request.ContentType, body));
        if (request.Method == "GET" && request.Path == "/api")
        {
            await WriteAsync(context, 200, DiscoveryType, Discovery(legacy: true));
        }
        else if (request.Method == "GET" && request.Path == "/apis")
        {
            await WriteAsync(context, 200, DiscoveryType, Discovery(legacy: false));
        }
        else if (request.Method == "POST")
        {
            if (ProtobufBody.TryDecode(body, out var json, out var error))
            {
                await WriteAsync(context, 201, "application/json", json);
            }
            else
            {
                await WriteAsync(context, 415, "application/json", Status(415, "UnsupportedMediaType", error.Message));
            }
        }
        else
        {
            await WriteAsync(context, 404, "application/json", Status(404, "NotFound", "not served by the capture server"));
        }
    }

    private static Task WriteAsync(HttpContext context, int code, string contentType, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
        ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code,
    };

    private static JsonObject Discovery(bool legacy)
    {
        var items = new JsonArray();
        foreach (var group in Resources.Where(r => (r.Group.Length == 0) == legacy).GroupBy(r => r.Group))
        {
            var resources = new JsonArray();
            foreach (var r in group)
            {
                resources.Add(new JsonObject
                {
                    ["resource"] = r.Resource,
                    ["responseKind"] = new JsonObject { ["group"] = r.Group, ["version"] = "v1", ["kind"] = r.Kind },
                    ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
                    ["singularResource"] = r.Singular,
                    ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                });
            }
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = group.Key },
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["version"] = "v1", ["freshness"] = "Current", ["resources"] = resources,
                }),
            });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList", ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(), ["items"] = items,
        };
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=timonel-capture", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel on Linux needs the key in an exportable, re-imported form.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
