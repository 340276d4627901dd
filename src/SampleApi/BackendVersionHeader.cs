namespace Canary.SampleApi;

internal static class BackendVersionHeader
{
    /// <summary>Tags every response so tests can count what each backend served.</summary>
    public static IApplicationBuilder UseBackendVersionHeader(this IApplicationBuilder app)
    {
        var version = app.ApplicationServices.GetRequiredService<BackendInfo>().Version;
        return app.Use((context, next) =>
        {
            // OnStarting survives the exception handler clearing headers before it writes its 500.
            context.Response.OnStarting(static state =>
            {
                var (response, value) = ((HttpResponse, string))state;
                response.Headers[BackendInfo.VersionHeader] = value;
                return Task.CompletedTask;
            }, (context.Response, version));
            return next(context);
        });
    }
}
