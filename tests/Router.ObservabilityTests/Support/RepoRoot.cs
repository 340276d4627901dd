namespace Canary.Router.ObservabilityTests.Support;

/// <summary>The repository's root folder: the first folder above the test binaries that holds Canary.sln.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(folder.FullName, "Canary.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no Canary.sln in any folder above {AppContext.BaseDirectory}");
    }
}
