namespace Canary.Router.Admin;

/// <summary>The operator's page at the root of AdminUrls: one static HTML file, no build step.</summary>
internal static class DashboardEndpoints
{
    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("Canary.Router.Admin.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapDashboard(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/", (HttpResponse response) =>
            {
                // The page holds the key in sessionStorage: keep other sites from framing it.
                response.Headers.XFrameOptions = "DENY";
                response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
                response.Headers.CacheControl = "no-cache";
                return TypedResults.Bytes(Page.Value, "text/html; charset=utf-8");
            })
            .ExcludeFromDescription();
}
