using System.Reflection;

namespace Canary.Testing;

/// <summary>Where things are: the repository (the folder holding Canary.sln) and its projects' builds.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The configuration the tests were built in (Debug, Release); the router and the samples are looked for in the same one.</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Root => RootPath.Value;

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>src/Router's build: the router as published runs it (<c>dotnet Canary.Router.dll</c>).</summary>
    public static string RouterDll => Built("Router", "Canary.Router.dll");

    public static string SampleApiDll => Built("SampleApi", "Canary.SampleApi.dll");

    public static string SampleSpaDll => Built("SampleSpa", "Canary.SampleSpa.dll");

    public static string CliDll => Built("Cli", "Canary.Cli.dll");

    /// <summary>One build of the SPA as SampleSpa serves it: spa/&lt;version&gt; beside its assembly.</summary>
    public static string SpaBuild(string version) => Path.Combine(Path.GetDirectoryName(SampleSpaDll)!, "spa", version);

    /// <summary>&lt;repo&gt;/artifacts/NAME, created; git ignores artifacts/.</summary>
    public static string Artifacts(string name)
    {
        var folder = File("artifacts", name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>src/PROJECT/bin/CONFIGURATION/net10.0/ASSEMBLY; the test projects reference what they run, so it is built with them.</summary>
    private static string Built(string project, string assembly)
    {
        var path = File("src", project, "bin", Configuration, "net10.0", assembly);
        return System.IO.File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{project} is not built in {Configuration}: expected {path}. 'dotnet build Canary.sln -c {Configuration}' builds it.", path);
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(folder.FullName, "Canary.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Canary.sln above {AppContext.BaseDirectory}: the tests run from the repository's build output.");
    }
}
