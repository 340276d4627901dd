namespace Canary.Router.Admin;

/// <summary>
/// Guards the admin API: <c>Authorization: Bearer KEY</c>. Without a configured key every write is refused (403)
/// and reads stay open on the loopback admin address; with one, a missing or wrong key gets 401.
/// </summary>
internal sealed class AdminAuthFilter(AdminKey key) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var isRead = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (!key.IsConfigured)
        {
            return isRead
                ? await next(context)
                : AdminProblems.Problem(StatusCodes.Status403Forbidden, "Admin writes are disabled",
                    $"Set {AdminKey.EnvironmentVariable} on the router to allow changes.");
        }

        var header = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && key.Matches(header.AsSpan(scheme.Length).Trim()))
        {
            return await next(context);
        }

        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"canary-admin\"";
        return AdminProblems.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
            header.Length == 0 ? "An Authorization: Bearer header with the admin key is required." : "The admin key is not valid.");
    }
}
