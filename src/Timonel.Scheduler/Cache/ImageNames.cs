namespace Timonel.Scheduler.Cache;

/// <summary>Image references as the node reports them: a reference without tag or digest means <c>:latest</c>.</summary>
public static class ImageNames
{
    public static string Normalize(string image)
    {
        if (image.Length == 0 || image.Contains('@', StringComparison.Ordinal))
        {
            return image;
        }
        var lastSlash = image.LastIndexOf('/');
        return image.IndexOf(':', lastSlash + 1) >= 0 ? image : image + ":latest";
    }
}
