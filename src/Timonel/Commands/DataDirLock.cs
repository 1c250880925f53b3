namespace Timonel.Commands;

/// <summary>
/// An exclusive lock on a file in the data dir, held for the life of the process (flock through
/// FileShare.None); the kernel drops it when the process dies, even by kill -9.
/// </summary>
internal static class DataDirLock
{
    public static FileStream? TryAcquire(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
