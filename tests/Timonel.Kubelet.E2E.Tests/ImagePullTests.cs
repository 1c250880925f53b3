using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>ImageManager pulling through CRI from docker-registry instances inside the node's namespace.</summary>
public sealed class ImagePullTests(RegistryNode registry) : IClassFixture<RegistryNode>, IAsyncLifetime
{
    private readonly EventCapture _events = new();
    private readonly SecretsInMemory _secrets = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _events.DisposeAsync();

    private readonly ResyncRecorder _resyncs = new();

    private ImageManager Manager(TimeProvider? time = null) =>
        new(registry.Node.Cri, _secrets, _events.Recorder, time ?? TimeProvider.System, NullLogger<ImageManager>.Instance, _resyncs);

    [Fact]
    public async Task An_image_from_a_plain_http_registry_in_the_registries_file_is_pulled_then_found_present()
    {
        var image = $"{RegistryNode.OpenAddress}/{RegistryNode.Repository}:{RegistryNode.Tag}";
        var pod = TestImages.Pod(image, "Always");
        var manager = Manager();

        var result = await manager.EnsureAsync(pod, pod.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal(new ImageResult(registry.ImageId, null, null), result);
        var stored = (await registry.Node.Cri.ImageStatusAsync(image)).GetValueOrThrow();
        Assert.Equal(registry.ImageId, stored.Id);
        var pulling = await _events.WaitForAsync(pod.Pod, "Pulling");
        Assert.Equal($"Pulling image \"{image}\"", pulling.Message);
        Assert.Equal("spec.containers{app}", pulling.InvolvedObject.FieldPath);
        var pulled = await _events.WaitForAsync(pod.Pod, "Pulled");
        Assert.StartsWith($"Successfully pulled image \"{image}\" in ", pulled.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Image size: {stored.Size} bytes.", pulled.Message, StringComparison.Ordinal);

        // IfNotPresent with the image now stored: no pull, the kubelet's "already present" event.
        var again = TestImages.Pod(image, "IfNotPresent");
        Assert.Equal(registry.ImageId, (await manager.EnsureAsync(again, again.Pod.Spec.Containers[0], CancellationToken.None)).ImageRef);
        var present = await _events.WaitForAsync(again.Pod, "Pulled");
        Assert.Equal($"Container image \"{image}\" already present on machine", present.Message);
        Assert.DoesNotContain(_events.Events, e => e.InvolvedObject.Uid == again.Pod.Metadata.Uid && e.Reason == "Pulling");
    }

    [Fact]
    public async Task A_mirror_from_the_registries_file_serves_another_registrys_images()
    {
        var image = $"{RegistryNode.MirroredRegistry}/{RegistryNode.Repository}:{RegistryNode.Tag}";
        var pod = TestImages.Pod(image);
        var result = await Manager().EnsureAsync(pod, pod.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal(new ImageResult(registry.ImageId, null, null), result);
    }

    [Fact]
    public async Task A_plain_http_registry_the_registries_file_does_not_declare_is_refused()
    {
        // Same registry, another address: containerd speaks HTTPS to it and the registry answers in HTTP.
        var image = $"{RegistryNode.UndeclaredAddress}/{RegistryNode.Repository}:{RegistryNode.Tag}";
        var pod = TestImages.Pod(image);
        var result = await Manager().EnsureAsync(pod, pod.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal("ErrImagePull", result.Reason);
        Assert.Contains("server gave HTTP response to HTTPS client", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RegistryNode.TlsWithCaFile)]
    [InlineData(RegistryNode.TlsSkipVerify)]
    public async Task A_self_signed_registry_is_trusted_through_the_registries_file(string address)
    {
        var pod = TestImages.Pod($"{address}/{RegistryNode.Repository}:{RegistryNode.Tag}");
        var result = await Manager().EnsureAsync(pod, pod.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal(new ImageResult(registry.ImageId, null, null), result);
    }

    [Fact]
    public async Task A_self_signed_registry_the_registries_file_does_not_trust_is_refused()
    {
        var pod = TestImages.Pod($"{RegistryNode.TlsUndeclared}/{RegistryNode.Repository}:{RegistryNode.Tag}");
        var result = await Manager().EnsureAsync(pod, pod.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal("ErrImagePull", result.Reason);
        Assert.Contains("x509: certificate signed by unknown authority", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_image_is_ErrImagePull_with_the_registrys_answer_then_ImagePullBackOff_with_doubling_waits()
    {
        var image = $"{RegistryNode.OpenAddress}/e2e/missing:1";
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var manager = Manager(time);
        var pod = TestImages.Pod(image);
        var container = pod.Pod.Spec.Containers[0];

        var first = await manager.EnsureAsync(pod, container, CancellationToken.None);
        Assert.Equal("ErrImagePull", first.Reason);
        Assert.Null(first.ImageRef);
        Assert.StartsWith("rpc error: code = ", first.Message, StringComparison.Ordinal);
        Assert.EndsWith($"{image}: not found", first.Message, StringComparison.Ordinal);
        var failed = await _events.WaitForAsync(pod.Pod, "Failed", m => m.StartsWith("Failed to pull image", StringComparison.Ordinal));
        Assert.Equal($"Failed to pull image \"{image}\": {first.Message}", failed.Message);
        Assert.Equal("Warning", failed.Type);
        await _events.WaitForAsync(pod.Pod, "Failed", m => m == "Error: ErrImagePull");

        var backingOff = await manager.EnsureAsync(pod, container, CancellationToken.None);
        Assert.Equal(new ImageResult(null, "ImagePullBackOff", $"Back-off pulling image \"{image}\""), backingOff);
        Assert.Equal($"Back-off pulling image \"{image}\"", (await _events.WaitForAsync(pod.Pod, "BackOff")).Message);
        await _events.WaitForAsync(pod.Pod, "Failed", m => m == "Error: ImagePullBackOff");

        // Another pod pulling the same image has a back-off of its own.
        var other = TestImages.Pod(image);
        Assert.Equal("ErrImagePull", (await manager.EnsureAsync(other, other.Pod.Spec.Containers[0], CancellationToken.None)).Reason);

        // 10 s after the first failure the pod's worker is woken and the pull is tried again;
        // after that second failure the wait is 20 s.
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.DoesNotContain(pod.Pod.Metadata.Uid, _resyncs.Uids);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(pod.Pod.Metadata.Uid, _resyncs.Uids);
        Assert.Equal("ErrImagePull", (await manager.EnsureAsync(pod, container, CancellationToken.None)).Reason);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("ImagePullBackOff", (await manager.EnsureAsync(pod, container, CancellationToken.None)).Reason);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, _resyncs.Uids.Count(u => u == pod.Pod.Metadata.Uid));
        Assert.Equal("ErrImagePull", (await manager.EnsureAsync(pod, container, CancellationToken.None)).Reason);
    }

    [Fact]
    public async Task A_registry_with_basic_auth_pulls_with_a_matching_pull_secret_only()
    {
        var image = $"{RegistryNode.SecuredAddress}/{RegistryNode.Repository}:{RegistryNode.Tag}";
        _secrets.Add(DockerConfigSecret("registry-login", RegistryNode.SecuredAddress, RegistryNode.User, RegistryNode.Password));
        _secrets.Add(DockerConfigSecret("other-registry", "quay.io", RegistryNode.User, RegistryNode.Password));
        var manager = Manager();

        var anonymous = TestImages.Pod(image, "Always");
        var refused = await manager.EnsureAsync(anonymous, anonymous.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal("ErrImagePull", refused.Reason);
        Assert.Contains("401 Unauthorized", refused.Message, StringComparison.Ordinal);

        var wrongHost = TestImages.Pod(image, "Always", "other-registry", "not-there");
        Assert.Equal("ErrImagePull", (await manager.EnsureAsync(wrongHost, wrongHost.Pod.Spec.Containers[0], CancellationToken.None)).Reason);
        var missingSecret = await _events.WaitForAsync(wrongHost.Pod, "FailedToRetrieveImagePullSecret");
        Assert.Contains("(not-there)", missingSecret.Message, StringComparison.Ordinal);

        var withSecret = TestImages.Pod(image, "Always", "registry-login");
        var pulled = await manager.EnsureAsync(withSecret, withSecret.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal(new ImageResult(registry.ImageId, null, null), pulled);
    }

    [Fact]
    public async Task Pull_policy_Never_uses_only_what_the_node_has()
    {
        var manager = Manager();
        var present = TestImages.Pod(ProjectImages.Busybox, "Never");
        var result = await manager.EnsureAsync(present, present.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.StartsWith("sha256:", result.ImageRef, StringComparison.Ordinal);

        var absent = TestImages.Pod("timonel.local/absent:1", "Never");
        Assert.Equal(new ImageResult(null, "ErrImageNeverPull", "Container image \"timonel.local/absent:1\" is not present with pull policy of Never"),
            await manager.EnsureAsync(absent, absent.Pod.Spec.Containers[0], CancellationToken.None));
        Assert.Equal("Warning", (await _events.WaitForAsync(absent.Pod, "ErrImageNeverPull")).Type);
    }

    [Fact]
    public async Task A_malformed_image_name_is_InvalidImageName()
    {
        var pod = TestImages.Pod("Timonel.local/Not Valid:1");
        var result = await Manager().EnsureAsync(pod, pod.Pod.Spec.Containers[0], CancellationToken.None);
        Assert.Equal("InvalidImageName", result.Reason);
        Assert.Contains("invalid reference format", result.Message, StringComparison.Ordinal);
        Assert.Equal(result.Message, (await _events.WaitForAsync(pod.Pod, "InspectFailed")).Message);
    }

    private static V1Secret DockerConfigSecret(string name, string server, string user, string password) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Type = "kubernetes.io/dockerconfigjson",
        Data = new Dictionary<string, byte[]>
        {
            [".dockerconfigjson"] = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["auths"] = new JsonObject { [server] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) } },
            }.ToJsonString()),
        },
    };
}

/// <summary>The pod sync requests an image manager makes.</summary>
internal sealed class ResyncRecorder : IPodSyncTrigger
{
    private readonly List<string> _uids = [];

    public IReadOnlyList<string> Uids
    {
        get
        {
            lock (_uids)
            {
                return _uids.ToList();
            }
        }
    }

    public void Resync(string podUid)
    {
        lock (_uids)
        {
            _uids.Add(podUid);
        }
    }
}
