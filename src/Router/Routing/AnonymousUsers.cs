using Canary.Router.Configuration;

namespace Canary.Router.Routing;

/// <summary>
/// Gives users without a key a stable identity: a signed, HttpOnly cookie set on their first response and read on
/// every later request, so their bucket, and so their version, stays the same across routes, replicas and restarts.
/// </summary>
internal sealed class AnonymousUsers(AnonymousId ids, AnonymousCookieOptions options)
{
    private readonly TimeSpan _maxAge = TimeSpan.FromDays(options.MaxAgeDays);

    public string CookieName => options.Name;

    /// <summary>The user's anonymous id, from a valid cookie or, failing that, a new one set on the response.</summary>
    public ReadOnlySpan<char> Resolve(HttpContext context)
    {
        var id = Verified(context);
        if (!id.IsEmpty)
        {
            return id;
        }

        // Several routes of one page may race here on a first visit; the same request never asks twice.
        var created = ids.Create();
        context.Response.Cookies.Append(options.Name, created, new Microsoft.AspNetCore.Http.CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = _maxAge,
            IsEssential = true,
        });
        return AnonymousId.IdOf(created);
    }

    /// <summary>The id of a valid cookie on the request; empty when there is none or it was tampered with.</summary>
    public ReadOnlySpan<char> Verified(HttpContext context) =>
        context.Request.Cookies[options.Name] is { } cookie ? ids.Verify(cookie) : default;
}
