using Canary.Router.Hosting;

namespace Canary.Router.Admin;

/// <summary>Where the release state lives and whether it answers: the state file, or Redis shared by replicas.</summary>
internal static class StoreEndpoints
{
    public static IEndpointRouteBuilder MapStoreEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/admin/store")
            .AddEndpointFilter<AdminAuthFilter>()
            .WithTags("Store")
            .MapGet("/", (RouterCore core) => TypedResults.Ok(core.Shared is { } shared
                ? new StoreView("redis", shared.Error is null, shared.Error, shared.Replica, shared.HoldsLease, core.Store.Unwritten)
                : new StoreView("file", true, null, null, true, core.Store.Unwritten)))
            .WithName("GetStore").WithSummary("The state store: kind (file or redis), whether it answers, and whether this replica holds the step lease.");
        return endpoints;
    }
}

/// <param name="Kind"><c>file</c> (one router) or <c>redis</c> (replicas).</param>
/// <param name="Up">False while Redis is unreachable: the router serves the last state it had and refuses admin writes.</param>
/// <param name="Error">Why it is down.</param>
/// <param name="Replica">This replica's name among the fleet's.</param>
/// <param name="StepLease">Whether this router advances steps and promotes (one replica at a time).</param>
/// <param name="Unwritten">A change (a guard rollback) that took effect here and waits to be written.</param>
internal sealed record StoreView(string Kind, bool Up, string? Error, string? Replica, bool StepLease, bool Unwritten);
