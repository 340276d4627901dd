using System.Text.Json;
using Canary.Router.Hosting;
using Canary.Router.State;

namespace Canary.Router.Admin;

/// <summary>The admin API over releases: read state, change the weight, promote, roll back, read the decision log.</summary>
internal static class ReleaseEndpoints
{
    public static RouteGroupBuilder MapReleaseEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin/releases")
            .AddEndpointFilter<AdminAuthFilter>()
            .WithTags("Releases")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapGet("/", (RouterCore core, ReleaseViews views) =>
                TypedResults.Ok(core.Store.All().Select(s => views.Of(s))))
            .WithName("ListReleases").WithSummary("Every release with its state and guard figures.");

        admin.MapGet("/{name}", (string name, RouterCore core, ReleaseViews views, HttpResponse response) =>
                core.Store.Get(name) is { } state ? View(state, views, response) : AdminProblems.UnknownRelease(name))
            .WithName("GetRelease").WithSummary("One release; its revision is also the ETag.")
            .Produces<ReleaseView>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPut("/{name}/weight", async (string name, HttpRequest request, RouterCore core, ReleaseViews views) =>
            {
                if (core.Store.Get(name) is null)
                {
                    return AdminProblems.UnknownRelease(name);
                }

                var (body, problem) = await JsonBody.ReadAsync(request, "weight");
                if (problem is not null)
                {
                    return problem;
                }

                if (!JsonBody.TryGet(body, "weight", out var value))
                {
                    return AdminProblems.Invalid("weight", "is required");
                }

                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var weight))
                {
                    return AdminProblems.Invalid("weight", "must be a number");
                }

                if (weight is < Configuration.OptionLimits.MinWeight or > Configuration.OptionLimits.MaxWeight)
                {
                    return AdminProblems.Invalid("weight", $"must be between {Configuration.OptionLimits.MinWeight} and {Configuration.OptionLimits.MaxWeight}");
                }

                return Change(core, views, request, name, s => ReleaseTransitions.SetWeight(s, weight),
                    ChangeCause.ByOperator("weight", $"operator set the weight to {weight}%"));
            })
            .WithName("SetWeight").WithSummary("Sets the percent of users on the canary (0..100, 0.01 resolution). Honours If-Match.")
            .Accepts<WeightRequest>("application/json")
            .Produces<ReleaseView>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        MapAction(admin, "promote", "Promote", "The canary becomes stable and serves every user.",
            ReleaseTransitions.Promote, "operator promoted the canary");
        MapAction(admin, "rollback", "Rollback", "Every user back on stable (weight 0, phase RolledBack) until an operator acts.",
            ReleaseTransitions.Rollback, "operator rolled back");

        admin.MapGet("/{name}/events", (string name, RouterCore core) =>
                core.Store.Get(name) is null
                    ? AdminProblems.UnknownRelease(name)
                    : TypedResults.Json(core.Events.For(name), DecisionLog.JsonOptions))
            .WithName("GetEvents").WithSummary("The decision log: who changed what, when, why, with the figures behind automatic decisions.")
            .Produces<IReadOnlyList<DecisionEvent>>().ProducesProblem(StatusCodes.Status404NotFound);

        return admin;
    }

    /// <summary>A bodiless POST action: applies the transition, honouring If-Match.</summary>
    public static void MapAction(RouteGroupBuilder admin, string action, string name, string summary, Func<ReleaseState, Transition> transition, string reason) =>
        admin.MapPost($"/{{name}}/{action}", async (string name, HttpRequest request, RouterCore core, ReleaseViews views) =>
                core.Store.Get(name) is null
                    ? AdminProblems.UnknownRelease(name)
                    : await JsonBody.RefuseAnyAsync(request) ?? Change(core, views, request, name, transition, ChangeCause.ByOperator(action, reason)))
            .WithName(name).WithSummary(summary + " Takes no body (415 otherwise). Honours If-Match.")
            .Produces<ReleaseView>().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>Applies an operator's change through the store and answers with the new state, or the refusal.</summary>
    public static IResult Change(RouterCore core, ReleaseViews views, HttpRequest request, string name, Func<ReleaseState, Transition> transition, ChangeCause cause)
    {
        if (core.Store.Get(name) is null)
        {
            return AdminProblems.UnknownRelease(name);
        }

        if (!IfMatch.TryParse(request, out var precondition))
        {
            return AdminProblems.Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", "If-Match must be ETags from GET /admin/releases/{name} (e.g. \"12\") or *.");
        }

        // Checked inside the store's change, against the revision it is about to change.
        var outcome = core.Store.Apply(name, state => precondition.Allows(state.Revision)
            ? transition(state)
            : new Transition(null, new Refusal(RefusalKind.StaleRevision, $"release '{state.Name}' is at revision {state.Revision}; If-Match: {precondition.Text} (weak tags never match a write)")),
            cause with { Key = AdminAuthFilter.HolderOf(request.HttpContext) });
        return outcome switch
        {
            null => AdminProblems.UnknownRelease(name),
            ({ } change, _) => View(change.After, views, request.HttpContext.Response),
            (_, { Kind: RefusalKind.StaleRevision } refusal) => AdminProblems.Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", refusal.Reason),
            (_, { Kind: RefusalKind.Unavailable } refusal) => AdminProblems.Problem(StatusCodes.Status503ServiceUnavailable, "State cannot be written", refusal.Reason),
            (_, { } refusal) => AdminProblems.Problem(StatusCodes.Status409Conflict, "Conflict", refusal.Reason),
            _ => throw new InvalidOperationException("a transition neither applied nor refused"),
        };
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<ReleaseView> View(ReleaseState state, ReleaseViews views, HttpResponse response)
    {
        response.Headers.ETag = ReleaseView.ETagOf(state);
        return TypedResults.Ok(views.Of(state));
    }
}

/// <summary>The body of PUT .../weight.</summary>
internal sealed record WeightRequest(double Weight);
