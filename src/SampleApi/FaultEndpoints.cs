using Microsoft.AspNetCore.Http.HttpResults;

namespace Canary.SampleApi;

internal static class FaultEndpoints
{
    public static IEndpointRouteBuilder MapFaultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/faults", (FaultState faults) => faults.Current);
        endpoints.MapPut("/faults", Results<Ok<FaultSettings>, ValidationProblem> (FaultsUpdate update, FaultState faults) =>
        {
            var errors = FaultSettings.Validate(update.ErrorRate, update.LatencyMs);
            return errors.Count > 0
                ? TypedResults.ValidationProblem(errors)
                : TypedResults.Ok(faults.Update(update.ErrorRate, update.LatencyMs));
        });
        return endpoints;
    }

    /// <summary>PUT body; omitted fields keep their current value.</summary>
    internal sealed record FaultsUpdate(double? ErrorRate, int? LatencyMs);
}
