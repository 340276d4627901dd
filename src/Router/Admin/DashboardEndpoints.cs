using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Canary.Router.Admin;

/// <summary>The operator's page at the root of AdminUrls: one static HTML file, no build step.</summary>
internal static partial class DashboardEndpoints
{
    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("Canary.Router.Admin.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>
    /// The page's CSP. Its scripts are allowed by their SHA-256 (CSP Level 2 hash sources), computed from the embedded
    /// page itself, so no inline script but the page's own can run (no 'unsafe-inline' for scripts).
    /// </summary>
    public static readonly Lazy<string> Policy = new(() =>
    {
        var hashes = InlineScript().Matches(Encoding.UTF8.GetString(Page.Value))
            .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'");
        return $"default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' {string.Join(' ', hashes)}; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    });

    public static void MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        // Which buttons the page shows: a viewer's key reads only, and a router without keys takes no changes at all.
        endpoints.MapGroup("/admin").AddEndpointFilter<AdminAuthFilter>().MapGet("/whoami", (HttpContext context) =>
                AdminAuthFilter.IdentityOf(context) is { } identity
                    ? TypedResults.Ok(new WhoAmI(identity.Name, identity.Role == AdminRole.Operator ? "operator" : "viewer"))
                    : TypedResults.Ok(new WhoAmI(null, "none")))
            .WithTags("Releases").WithName("WhoAmI").WithSummary("The key's name and role (operator, viewer; none when the router has no keys and takes no changes).");
        endpoints.MapGet("/", (HttpResponse response) =>
            {
                // The page holds the key in sessionStorage: keep other sites from framing it.
                response.Headers.XFrameOptions = "DENY";
                response.Headers.ContentSecurityPolicy = Policy.Value;
                response.Headers.CacheControl = "no-cache";
                return TypedResults.Bytes(Page.Value, "text/html; charset=utf-8");
            })
            .ExcludeFromDescription();
    }

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScript();
}

/// <summary>The answer of GET /admin/whoami.</summary>
internal sealed record WhoAmI(string? Name, string Role);
