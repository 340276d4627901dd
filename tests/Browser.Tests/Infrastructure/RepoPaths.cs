using System.Reflection;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>Where things are: the repository (the folder holding Canary.sln), the samples' builds, the artifacts folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The configuration this test assembly was built in (Debug, Release); the samples are looked for in the same one.</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Root => RootPath.Value;

    public static string SampleApiDll => SampleDll("SampleApi", "Canary.SampleApi.dll");

    public static string SampleSpaDll => SampleDll("SampleSpa", "Canary.SampleSpa.dll");

    /// <summary>One build of the SPA as SampleSpa serves it: spa/&lt;version&gt; beside its assembly.</summary>
    public static string SpaBuild(string version) => Path.Combine(Path.GetDirectoryName(SampleSpaDll)!, "spa", version);

    /// <summary>&lt;repo&gt;/artifacts/browser, created; git ignores artifacts/.</summary>
    public static string Artifacts()
    {
        var folder = Path.Combine(Root, "artifacts", "browser");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string SampleDll(string project, string assembly)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{project} is not built in {Configuration}: expected {path}. The test project references it, so " +
                $"'dotnet build tests/Browser.Tests -c {Configuration}' builds it (SampleSpa needs Node.js and npm).", path);
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Canary.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Canary.sln above {AppContext.BaseDirectory}: the tests run from the repository's build output.");
    }
}
