using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Makes a container's image present as the kubelet does: the reference must parse (else
/// InvalidImageName), imagePullPolicy decides between the local image and a pull (Never without a
/// local image: ErrImageNeverPull), pulls go through CRI with the credentials of the pod's
/// imagePullSecrets that match the image's registry, and a failed pull is ErrImagePull with the
/// runtime's message, after which the same pod's pulls of that image wait out a back-off
/// (ImagePullBackOff). Events go to the pod with fieldPath <c>spec.containers{name}</c> (or
/// <c>spec.initContainers{name}</c>). Safe for concurrent use by all pod workers.
/// </summary>
public sealed class ImageManager : IImageManager
{
    private readonly CriClient _cri;
    private readonly IObjectSource _objects;
    private readonly EventRecorder _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ImagePullBackOff _backOff;
    private readonly IPodSyncTrigger? _resync;
    // One pending wake-up per back-off key; a newer failure replaces the older timer.
    private readonly ConcurrentDictionary<string, ITimer> _wakeUps = new(StringComparer.Ordinal);

    /// <param name="resync">When given, the pod's worker is asked to sync again as soon as a back-off ends, so a pull is retried without waiting for the next periodic sync.</param>
    public ImageManager(CriClient cri, IObjectSource objects, EventRecorder events, TimeProvider time, ILogger<ImageManager> logger,
        IPodSyncTrigger? resync = null)
    {
        _cri = cri;
        _objects = objects;
        _events = events;
        _time = time;
        _logger = logger;
        _resync = resync;
        _backOff = new ImagePullBackOff(time);
    }

    public async Task<ImageResult> EnsureAsync(PodContext pod, V1Container container, CancellationToken ct)
    {
        var p = pod.Pod;
        var fieldPath = FieldPathOf(p, container);
        var shown = container.Image ?? "";
        void Event(string type, string reason, string message) => _events.Record(p, type, reason, message, fieldPath);

        var parsed = ImageReference.Parse(container.Image, out var parseError);
        if (parsed is null)
        {
            var message = $"Failed to apply default image tag \"{shown}\": couldn't parse image reference \"{shown}\": {parseError}";
            Event("Warning", "InspectFailed", message);
            return Fail(Event, "InvalidImageName", message);
        }
        var image = ImageReference.WithDefaultTag(shown, parsed);

        var status = await _cri.ImageStatusAsync(image, ct).ConfigureAwait(false);
        if (!status.IsSuccess && status.Error.Kind != CriErrorKind.ImageNotFound)
        {
            ImageLog.InspectFailed(_logger, image, status.Error.Message);
            var message = $"Failed to inspect image \"{shown}\": {status.Error.Message}";
            Event("Warning", "InspectFailed", message);
            return Fail(Event, "ImageInspectError", message);
        }
        var present = status.IsSuccess ? status.Value : null;
        switch (PullPolicy.Decide(PullPolicy.Effective(container.ImagePullPolicy, parsed), present is not null))
        {
            case PullDecision.UsePresent:
                Event("Normal", "Pulled", $"Container image \"{shown}\" already present on machine");
                return new ImageResult(present!.Id, null, null);
            case PullDecision.NeverPull:
                var never = $"Container image \"{shown}\" is not present with pull policy of Never";
                Event("Warning", "ErrImageNeverPull", never);
                return Fail(Event, "ErrImageNeverPull", never);
        }

        var backOffKey = ImagePullBackOff.KeyOf(p.Metadata.Uid ?? "", shown);
        if (_backOff.IsBackingOff(backOffKey))
        {
            var message = $"Back-off pulling image \"{shown}\"";
            Event("Normal", "BackOff", message);
            return Fail(Event, "ImagePullBackOff", message);
        }

        Event("Normal", "Pulling", $"Pulling image \"{shown}\"");
        var started = _time.GetTimestamp();
        var keyring = await KeyringForAsync(p, Event, ct).ConfigureAwait(false);
        var pulled = await PullAsync(image, keyring.Lookup(parsed), ct).ConfigureAwait(false);
        if (pulled.Error is { } error)
        {
            var delay = _backOff.RecordFailure(backOffKey);
            WakeUpAfter(p.Metadata.Uid ?? "", backOffKey, delay);
            ImageLog.PullFailed(_logger, image, p.Metadata.NamespaceProperty ?? "", p.Metadata.Name ?? "", delay, error);
            Event("Warning", "Failed", $"Failed to pull image \"{shown}\": {error}");
            return Fail(Event, "ErrImagePull", error);
        }
        var elapsed = _time.GetElapsedTime(started);
        _backOff.Sweep();
        var size = await _cri.ImageStatusAsync(pulled.ImageRef!, ct).ConfigureAwait(false) is { IsSuccess: true } after ? after.Value.Size : 0UL;
        var took = GoDuration(elapsed);
        Event("Normal", "Pulled", $"Successfully pulled image \"{shown}\" in {took} ({took} including waiting). Image size: {size.ToString(CultureInfo.InvariantCulture)} bytes.");
        ImageLog.Pulled(_logger, image, p.Metadata.NamespaceProperty ?? "", p.Metadata.Name ?? "", elapsed, pulled.ImageRef!);
        return new ImageResult(pulled.ImageRef, null, null);
    }

    private void WakeUpAfter(string podUid, string key, TimeSpan delay)
    {
        if (_resync is null || podUid.Length == 0)
        {
            return;
        }
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            if (timer is not null && _wakeUps.TryRemove(KeyValuePair.Create(key, timer)))
            {
                timer.Dispose();
            }
            _resync.Resync(podUid);
        }, null, delay, Timeout.InfiniteTimeSpan);
        if (_wakeUps.TryGetValue(key, out var older))
        {
            older.Dispose();
        }
        _wakeUps[key] = timer;
    }

    /// <summary>The pod worker reports the waiting reason; the kubelet also records it as a Failed event.</summary>
    private static ImageResult Fail(Action<string, string, string> evt, string reason, string message)
    {
        evt("Warning", "Failed", "Error: " + reason);
        return new ImageResult(null, reason, message);
    }

    /// <summary>Anonymous when no credential matches; else each matching credential in turn until one works.</summary>
    private async Task<(string? ImageRef, string? Error)> PullAsync(string image, IReadOnlyList<RegistryCredential> credentials, CancellationToken ct)
    {
        if (credentials.Count == 0)
        {
            var anonymous = await _cri.PullImageAsync(image, null, null, ct).ConfigureAwait(false);
            return anonymous.IsSuccess ? (anonymous.Value, null) : (null, AsKubeletShowsIt(anonymous.Error));
        }
        var errors = new List<string>();
        foreach (var credential in credentials)
        {
            var auth = new AuthConfig
            {
                Username = credential.Username,
                Password = credential.Password,
                // Left empty as the kubelet does: containerd then offers the credential to every
                // host it tries for the image (mirrors included), not only to the one named.
                IdentityToken = credential.IdentityToken ?? "",
                RegistryToken = credential.RegistryToken ?? "",
            };
            var result = await _cri.PullImageAsync(image, auth, null, ct).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                return (result.Value, null);
            }
            errors.Add(AsKubeletShowsIt(result.Error));
        }
        return (null, errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]");
    }

    /// <summary>A CRI error as the kubelet's gRPC client prints it, which is what users see in pod status and events.</summary>
    internal static string AsKubeletShowsIt(CriError error)
    {
        // Go's code names; .NET spells one differently.
        var code = error.Code == Grpc.Core.StatusCode.Cancelled ? "Canceled" : error.Code.ToString();
        return $"rpc error: code = {code} desc = {error.Message}";
    }

    private async Task<DockerKeyring> KeyringForAsync(V1Pod pod, Action<string, string, string> evt, CancellationToken ct)
    {
        var refs = pod.Spec?.ImagePullSecrets;
        if (refs is null || refs.Count == 0)
        {
            return DockerKeyring.Empty;
        }
        var secrets = new List<V1Secret>();
        var missing = new List<string>();
        foreach (var name in refs.Select(r => r.Name).Where(n => !string.IsNullOrEmpty(n)))
        {
            if (await _objects.GetSecretAsync(pod.Metadata.NamespaceProperty ?? "default", name, ct).ConfigureAwait(false) is { } secret)
            {
                secrets.Add(secret);
            }
            else
            {
                missing.Add(name);
            }
        }
        if (missing.Count > 0)
        {
            evt("Warning", "FailedToRetrieveImagePullSecret",
                $"Unable to retrieve some image pull secrets ({string.Join(", ", missing)}); attempting to pull the image may not succeed.");
        }
        return DockerKeyring.FromSecrets(secrets, out _);
    }

    internal static string FieldPathOf(V1Pod pod, V1Container container)
    {
        if (pod.Spec?.InitContainers?.Any(c => c.Name == container.Name) == true)
        {
            return $"spec.initContainers{{{container.Name}}}";
        }
        return $"spec.containers{{{container.Name}}}";
    }

    /// <summary>A duration as Go prints one (e.g. <c>1.234567s</c>, <c>512.3ms</c>), the form kubelet messages use.</summary>
    internal static string GoDuration(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1))
        {
            return (d.Ticks / (double)TimeSpan.TicksPerMillisecond).ToString("0.######", CultureInfo.InvariantCulture) + "ms";
        }
        var seconds = d.Ticks / (double)TimeSpan.TicksPerSecond;
        if (d < TimeSpan.FromMinutes(1))
        {
            return seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
        }
        var minutes = (int)d.TotalMinutes;
        var rest = (seconds - minutes * 60).ToString("0.#########", CultureInfo.InvariantCulture) + "s";
        return minutes >= 60 ? $"{minutes / 60}h{minutes % 60}m{rest}" : $"{minutes}m{rest}";
    }
}
