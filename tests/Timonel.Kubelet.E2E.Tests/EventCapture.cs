using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Api;
using Timonel.Client.Events;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>
/// Stands in for the API server's events endpoint on 127.0.0.1 and keeps what a real
/// <see cref="EventRecorder"/> writes to it: Event creates (POST) and the count patches of repeats
/// (PATCH). Tests read the Events as <c>kubectl get events</c> would list them.
/// </summary>
internal sealed class EventCapture : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, Corev1Event> _events = new(StringComparer.Ordinal);
    private readonly ApiConnection _api;
    private readonly Task _serving;

    public EventCapture()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
        _api = new ApiConnection(new KubernetesClientConfiguration { Host = $"http://127.0.0.1:{port}" });
        Recorder = new EventRecorder(_api, new EventSource("kubelet", "e2e-node"), TimeProvider.System, NullLogger.Instance);
    }

    public EventRecorder Recorder { get; }

    public IReadOnlyList<Corev1Event> Events
    {
        get
        {
            lock (_events)
            {
                return _events.Values.ToList();
            }
        }
    }

    /// <summary>Waits for an Event about <paramref name="pod"/> with this reason whose message passes <paramref name="message"/>; the recorder writes in the background.</summary>
    public Task<Corev1Event> WaitForAsync(V1Pod pod, string reason, Func<string, bool>? message = null) =>
        Run.UntilAsync(() => Task.FromResult(Events.FirstOrDefault(e =>
                e.InvolvedObject.Uid == pod.Metadata.Uid && e.Reason == reason && (message is null || message(e.Message)))),
            $"event {reason} about pod {pod.Metadata.Name}",
            onTimeout: () => Task.FromResult(string.Join("\n", Events.Select(e => $"{e.Reason}: {e.Message}"))));

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            var (status, answer) = context.Request.HttpMethod switch
            {
                "POST" when path.EndsWith("/events", StringComparison.Ordinal) => Create(body),
                "PATCH" when path.Contains("/events/", StringComparison.Ordinal) => Patch(path[(path.LastIndexOf('/') + 1)..], body),
                _ => (404, """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"""),
            };
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private (int, string) Create(string body)
    {
        var e = KubernetesJson.Deserialize<Corev1Event>(body);
        lock (_events)
        {
            _events[e.Metadata.Name] = e;
        }
        return (201, body);
    }

    private (int, string) Patch(string name, string body)
    {
        lock (_events)
        {
            if (!_events.TryGetValue(name, out var e))
            {
                return (404, """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}""");
            }
            e.Count = (int?)JsonNode.Parse(body)?["count"] ?? e.Count;
            return (200, KubernetesJson.Serialize(e));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Recorder.DisposeAsync();
        _api.Dispose();
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
