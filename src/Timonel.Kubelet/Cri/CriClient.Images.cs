using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Cri;

public sealed partial class CriClient
{
    /// <summary>Pulls <paramref name="image"/> from its registry; returns the image reference (id) the runtime stored.</summary>
    public Task<CriResult<string>> PullImageAsync(string image, AuthConfig? auth = null, PodSandboxConfig? sandboxConfig = null, CancellationToken cancellationToken = default) =>
        CallAsync(o => _images.PullImageAsync(new PullImageRequest
        {
            Image = new ImageSpec { Image = image },
            Auth = auth,
            SandboxConfig = sandboxConfig,
        }, o), r => r.ImageRef, _options.PullTimeout, CallSubject.ImagePull, cancellationToken);

    /// <summary>The image as the runtime stores it; <see cref="CriErrorKind.ImageNotFound"/> when it has none of that name.</summary>
    public async Task<CriResult<Image>> ImageStatusAsync(string image, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync(o => _images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, o),
            r => r.Image, _options.CallTimeout, CallSubject.Image, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return result.Error;
        }
        // CRI answers a missing image with success and no image, not with NotFound.
        return result.Value is { } found
            ? CriResult<Image>.Success(found)
            : new CriError(CriErrorKind.ImageNotFound, Grpc.Core.StatusCode.NotFound, $"image {image} is not present");
    }

    public Task<CriResult<IReadOnlyList<Image>>> ListImagesAsync(CancellationToken cancellationToken = default) =>
        CallAsync(o => _images.ListImagesAsync(new ListImagesRequest(), o),
            r => (IReadOnlyList<Image>)r.Images, _options.CallTimeout, CallSubject.Image, cancellationToken);

    /// <summary>Removes an image; removing one that is absent succeeds (CRI makes it idempotent).</summary>
    public Task<CriResult<CriUnit>> RemoveImageAsync(string image, CancellationToken cancellationToken = default) =>
        CallAsync(o => _images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = image } }, o),
            ToUnit, _options.CallTimeout, CallSubject.Image, cancellationToken);

    public Task<CriResult<ImageFsInfoResponse>> ImageFsInfoAsync(CancellationToken cancellationToken = default) =>
        CallAsync(o => _images.ImageFsInfoAsync(new ImageFsInfoRequest(), o),
            r => r, _options.CallTimeout, CallSubject.Image, cancellationToken);
}
