namespace Canary.Testing;

/// <summary>The temporary folders tests keep routers' config and state in; shared by every test project.</summary>
internal static class TempFolder
{
    /// <summary>Deletes the folder and what is in it; a folder left behind (a file still open) harms no later run.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }
}
