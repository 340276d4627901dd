using System.Globalization;
using System.Text.Json;
using Canary.Router.Admin;
using Canary.Router.Hosting;
using Canary.Router.Routing;
using Canary.Router.State;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Canary.Router.Previews;

/// <summary>
/// Signed preview links (<see cref="PreviewLinks"/>): an operator creates one through the admin API; opening it on
/// PublicUrls sets the HttpOnly preview cookie that routes that browser to the version until the link expires.
/// </summary>
internal static class PreviewEndpoints
{
    public const string PublicPath = "/canary/preview";

    public const string EndPath = "/canary/preview/end";

    public static RouteGroupBuilder MapPreviewEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/{name}/previews", async (string name, HttpRequest request, RouterCore core, PublicListener listener) =>
            {
                if (core.Options.Release(name) is not { } release)
                {
                    return AdminProblems.UnknownRelease(name);
                }

                var (body, problem) = await JsonBody.ReadAsync(request, "version", "expiresIn");
                if (problem is not null)
                {
                    return problem;
                }

                var errors = new Dictionary<string, string[]>();
                var versions = release.Versions.ToList();
                string? version = null;
                if (!JsonBody.TryGet(body, "version", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    errors["version"] = ["is required: a version of the release"];
                }
                else if (!versions.Contains(text.GetString()!))
                {
                    errors["version"] = [$"'{text.GetString()}' is not a version of release '{name}' (versions: {string.Join(", ", versions)})"];
                }
                else
                {
                    version = text.GetString()!;
                }

                var seconds = 0;
                if (!JsonBody.TryGet(body, "expiresIn", out var expiresIn) || expiresIn.ValueKind != JsonValueKind.Number
                    || !expiresIn.TryGetInt32(out seconds) || seconds is < PreviewLinks.MinSeconds or > PreviewLinks.MaxSeconds)
                {
                    errors["expiresIn"] = [$"is required: whole seconds between {PreviewLinks.MinSeconds} and {PreviewLinks.MaxSeconds}"];
                }

                if (errors.Count > 0)
                {
                    return AdminProblems.Invalid(errors);
                }

                var expires = DateTimeOffset.FromUnixTimeSeconds(core.Time.GetUtcNow().ToUnixTimeSeconds() + seconds);
                var path = $"{PublicPath}?token={Uri.EscapeDataString(core.Previews.Create(name, version!, expires))}";
                var url = listener.Address is { } address ? new Uri(address, path).ToString() : null;

                // The token is not logged: whoever holds it previews the version.
                core.Events.Record(name, ChangeCause.ByOperator("preview", $"operator created a preview link to {version} until {expires.ToString("u", CultureInfo.InvariantCulture)}")
                    with { Key = AdminAuthFilter.HolderOf(request.HttpContext) });
                return TypedResults.Created((string?)null, new PreviewLinkView(name, version!, expires, path, url));
            })
            .WithName("CreatePreview").WithSummary("A signed link that routes the browser opening it to the version until it expires: {\"version\": \"v2\", \"expiresIn\": 3600}.")
            .Accepts<PreviewRequest>("application/json")
            .Produces<PreviewLinkView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>
    /// <c>GET /canary/preview?token=...&amp;to=/path</c> sets the preview cookie for a valid, unexpired link of a release
    /// and version that still exist, then redirects to <c>to</c> (a path on this site; <c>/</c> by default); anything
    /// else is 403 and sets nothing. <c>GET /canary/preview/end</c> removes the cookie.
    /// </summary>
    public static IEndpointRouteBuilder MapPublicPreviews(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PublicPath, (HttpContext context, RouterCore core) =>
        {
            NoStore(context.Response);
            var token = context.Request.Query["token"].ToString();
            if (!core.Previews.TryRead(token, core.Time.GetUtcNow(), out var release, out var version, out var expires)
                || core.Options.Release(token[release]) is not { } options || !options.Versions.Contains(token[version]))
            {
                return AdminProblems.Problem(StatusCodes.Status403Forbidden, "Preview link not valid",
                    "This preview link is not valid or has expired: ask the release's operators for a new one.");
            }

            context.Response.Cookies.Append(PreviewLinks.CookieName, token, Cookie(context, expires));
            return Results.Redirect(LocalPath(context.Request.Query["to"].ToString()));
        });
        endpoints.MapGet(EndPath, (HttpContext context) =>
        {
            NoStore(context.Response);
            context.Response.Cookies.Delete(PreviewLinks.CookieName, Cookie(context, null));
            return Results.Redirect(LocalPath(context.Request.Query["to"].ToString()));
        });
        return endpoints;
    }

    private static CookieOptions Cookie(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    // The token is in the link's URL: keep it out of caches and of the next page's Referer.
    private static void NoStore(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = ForwardedHeaders.NoSniff;
    }

    /// <summary>A path on this site, never another one (<c>//host</c>, <c>/\host</c>, <c>https://...</c>): no open redirect.</summary>
    private static string LocalPath(string to) =>
        to.StartsWith('/') && !to.StartsWith("//", StringComparison.Ordinal) && !to.StartsWith("/\\", StringComparison.Ordinal) ? to : "/";
}

/// <summary>The public listener's first address, for the links the admin API hands out.</summary>
internal sealed class PublicListener(IServer server)
{
    public Uri? Address => server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).FirstOrDefault();
}

/// <summary>The body of POST .../previews.</summary>
internal sealed record PreviewRequest(string Version, int ExpiresIn);

/// <summary>A created preview link: <see cref="Path"/> on any public origin, <see cref="Url"/> on the router's own listener.</summary>
internal sealed record PreviewLinkView(string Release, string Version, DateTimeOffset Expires, string Path, string? Url);
