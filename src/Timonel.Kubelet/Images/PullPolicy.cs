namespace Timonel.Kubelet.Images;

/// <summary>What to do about a container's image before it can start.</summary>
public enum PullDecision
{
    /// <summary>Use the image the runtime already has.</summary>
    UsePresent,
    /// <summary>Ask the registry (Always, or IfNotPresent with no local image).</summary>
    Pull,
    /// <summary>Policy Never and no local image: the container cannot start (ErrImageNeverPull).</summary>
    NeverPull,
}

/// <summary>imagePullPolicy as the kubelet applies it.</summary>
public static class PullPolicy
{
    public const string Always = "Always";
    public const string IfNotPresent = "IfNotPresent";
    public const string Never = "Never";

    /// <summary>
    /// The policy of a container: its own, else the API server's default (which the server has
    /// normally filled in already): Always for an image without tag or digest or tagged latest,
    /// IfNotPresent otherwise.
    /// </summary>
    public static string Effective(string? declared, ImageReference image) =>
        !string.IsNullOrEmpty(declared) ? declared
        : image.Digest is null && (image.Tag is null || image.Tag == ImageReference.DefaultTag) ? Always
        : IfNotPresent;

    public static PullDecision Decide(string policy, bool present) => policy switch
    {
        Never => present ? PullDecision.UsePresent : PullDecision.NeverPull,
        IfNotPresent => present ? PullDecision.UsePresent : PullDecision.Pull,
        // Always, and anything the API server would have refused: pulling is the safe reading.
        _ => PullDecision.Pull,
    };
}
