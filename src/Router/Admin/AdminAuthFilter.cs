namespace Canary.Router.Admin;

/// <summary>
/// Guards the admin API: <c>Authorization: Bearer KEY</c>. Without a configured key every write is refused (403)
/// and reads stay open on the loopback admin address; with keys, a missing or unknown key gets 401, and a viewer's
/// key 403 on writes. The holder's name is kept on the request for the decision log (<see cref="HolderOf"/>).
/// </summary>
internal sealed class AdminAuthFilter(AdminKey key) : IEndpointFilter
{
    private static readonly object HolderItem = new();

    /// <summary>The name of the key that authorized this request; null when the router has no keys.</summary>
    public static string? HolderOf(HttpContext context) => IdentityOf(context)?.Name;

    /// <summary>The key that authorized this request, with its role; null when the router has no keys.</summary>
    public static AdminIdentity? IdentityOf(HttpContext context) => context.Items[HolderItem] as AdminIdentity;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var isRead = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (!key.IsConfigured)
        {
            return isRead
                ? await next(context)
                : AdminProblems.Problem(StatusCodes.Status403Forbidden, "Admin writes are disabled",
                    $"Set {AdminKey.EnvironmentVariable} or {AdminKey.FileEnvironmentVariable} on the router to allow changes.");
        }

        var header = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var holder = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? key.Match(header.AsSpan(scheme.Length).Trim()) : null;
        if (holder is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"canary-admin\"";
            return AdminProblems.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
                header.Length == 0 ? "An Authorization: Bearer header with the admin key is required." : "The admin key is not valid.");
        }

        if (!isRead && holder.Role != AdminRole.Operator)
        {
            return AdminProblems.Problem(StatusCodes.Status403Forbidden, "Forbidden",
                $"The key '{holder.Name}' has the {holder.Role.ToString().ToLowerInvariant()} role: it can read, not change. Changes need an operator key.");
        }

        http.Items[HolderItem] = holder;
        return await next(context);
    }
}
