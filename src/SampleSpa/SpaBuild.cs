using Microsoft.Extensions.FileProviders;

namespace Canary.SampleSpa;

/// <summary>One Vite build (dist/&lt;version&gt;), copied next to the assembly under spa/ by the project file.</summary>
internal sealed record SpaBuild(string Version, PhysicalFileProvider Files)
{
    public static SpaBuild Locate(string version)
    {
        var spaRoot = Path.Combine(AppContext.BaseDirectory, "spa");
        var root = Path.Combine(spaRoot, version);
        // The version names a folder directly under spa/, never a path.
        if (version != Path.GetFileName(version) || !File.Exists(Path.Combine(root, "index.html")))
        {
            var available = Directory.Exists(spaRoot)
                ? string.Join(", ", Directory.EnumerateDirectories(spaRoot).Select(Path.GetFileName).Order())
                : "none";
            throw new InvalidOperationException(
                $"No SPA build for Version '{version}': expected {Path.Combine(root, "index.html")}. " +
                $"Available: {available}. Build the project (it runs 'npm run build' in ClientApp).");
        }
        return new SpaBuild(version, new PhysicalFileProvider(root));
    }
}
