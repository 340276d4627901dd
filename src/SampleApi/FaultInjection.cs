namespace Canary.SampleApi;

internal static class FaultInjection
{
    /// <summary>Delays and/or fails /api requests according to the current <see cref="FaultState"/>.</summary>
    public static IApplicationBuilder UseFaultInjection(this IApplicationBuilder app)
    {
        var state = app.ApplicationServices.GetRequiredService<FaultState>();
        return app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/api"),
            api => api.Use(async (context, next) =>
            {
                var faults = state.Current;
                if (faults.LatencyMs > 0)
                {
                    await Task.Delay(faults.LatencyMs, context.RequestAborted);
                }
                if (faults.ErrorRate > 0 && Random.Shared.NextDouble() < faults.ErrorRate)
                {
                    await TypedResults.Problem(
                        statusCode: StatusCodes.Status500InternalServerError,
                        title: "Injected fault",
                        detail: $"Failed on purpose (error rate {faults.ErrorRate}).").ExecuteAsync(context);
                    return;
                }
                await next(context);
            }));
    }
}
