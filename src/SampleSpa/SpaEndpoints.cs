using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Canary.SampleSpa;

internal static class SpaEndpoints
{
    private const string VersionHeader = "X-Backend-Version";

    /// <summary>Tags every response so tests can count what each backend served.</summary>
    public static IApplicationBuilder UseBackendVersionHeader(this IApplicationBuilder app, string version) =>
        app.Use((context, next) =>
        {
            context.Response.Headers[VersionHeader] = version;
            return next(context);
        });

    /// <summary>Serves the build's files, and index.html for any other extension-less path (client-side routes).</summary>
    public static WebApplication MapSpa(this WebApplication app, SpaBuild build)
    {
        var options = new StaticFileOptions { FileProvider = build.Files, OnPrepareResponse = SetCacheControl };
        app.UseStaticFiles(options);
        app.MapFallbackToFile("index.html", options);
        return app;
    }

    // Vite content-hashes everything under assets/, so those never change. index.html must be
    // refetched so a version switch is picked up, and without validators: the v1 and v2 copies
    // can have the same size and mtime second, hence the same ETag, and a 304 would keep the old one.
    private static void SetCacheControl(StaticFileResponseContext context)
    {
        var headers = context.Context.Response.Headers;
        if (context.Context.Request.Path.StartsWithSegments("/assets"))
        {
            headers.CacheControl = "public, max-age=31536000, immutable";
            return;
        }
        headers.CacheControl = "no-cache";
        headers.Remove(HeaderNames.ETag);
        headers.Remove(HeaderNames.LastModified);
    }
}
