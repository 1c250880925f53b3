using k8s.Models;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// httpGet: a status from 200 to 399 passes. A 3xx that was not followed (a redirect to another
/// host) passes with a warning, as upstream: <c>Probe terminated redirects, Response body: ...</c>.
/// Any other status fails with <c>HTTP probe failed with statuscode: N</c>; a transport error
/// fails with the error's words.
/// </summary>
public sealed class HttpProbe(HttpGetClient client)
{
    public async Task<ProbeOutcome> RunAsync(string? podIp, V1Container container, V1HTTPGetAction action, TimeSpan timeout, CancellationToken ct)
    {
        var url = HttpGetClient.UrlOf(action, container, podIp, out var error);
        if (url is null)
        {
            return ProbeOutcome.Error(error!);
        }
        var result = await client.GetAsync(url, action.HttpHeaders, "probe", timeout, ct).ConfigureAwait(false);
        if (!result.Answered)
        {
            return ProbeOutcome.Failure(result.Error!);
        }
        return result.StatusCode switch
        {
            >= 200 and < 300 => ProbeOutcome.Success(result.Body),
            >= 300 and < 400 => new ProbeOutcome(ProbeResult.Warning, $"Probe terminated redirects, Response body: {result.Body}"),
            _ => ProbeOutcome.Failure($"HTTP probe failed with statuscode: {result.StatusCode}"),
        };
    }
}
