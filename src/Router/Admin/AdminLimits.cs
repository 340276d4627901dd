namespace Canary.Router.Admin;

/// <summary>What the admin host adds to every request: nosniff on every answer, and its header limits as problem details.</summary>
internal static class AdminLimits
{
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;

    /// <summary>Set as the response starts, so answers written after the exception handler cleared the headers have it too.</summary>
    public static Task NoSniff(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }

    /// <summary>431 with problem details for headers over the admin's limits (Kestrel's own are twice these).</summary>
    public static Task RefuseLargeHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Request.Headers;
        long bytes = 0;
        foreach (var (name, values) in headers)
        {
            bytes += name.Length;
            foreach (var value in values)
            {
                bytes += value?.Length ?? 0;
            }
        }

        return headers.Count <= MaxHeaderCount && bytes <= MaxHeaderBytes
            ? next(context)
            : AdminProblems.Problem(StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request header fields too large",
                $"Admin requests are limited to {MaxHeaderCount} headers and {MaxHeaderBytes} bytes of them.").ExecuteAsync(context);
    }
}
