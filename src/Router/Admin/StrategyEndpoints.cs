using Canary.Router.Hosting;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Router.Admin;

/// <summary>The playbook's strategies: pause and resume canary steps, blue-green switch, rolling drain.</summary>
internal static class StrategyEndpoints
{
    public static RouteGroupBuilder MapStrategyEndpoints(this RouteGroupBuilder admin)
    {
        ReleaseEndpoints.MapAction(admin, "pause", "Pause", "Holds the release's steps where they are (the guard keeps watching).",
            ReleaseTransitions.Pause, "operator paused the steps");
        ReleaseEndpoints.MapAction(admin, "resume", "Resume", "Continues paused steps; a rolled-back release with steps starts them over.",
            ReleaseTransitions.Resume, "operator resumed the steps");

        admin.MapPost("/{name}/switch", async (string name, HttpRequest request, RouterCore core, ReleaseViews views, VersionHealth health) =>
            {
                if (core.Store.Get(name) is not { } state || core.Options.Release(name) is not { } options)
                {
                    return AdminProblems.UnknownRelease(name);
                }

                if (await JsonBody.RefuseAnyAsync(request) is { } withBody)
                {
                    return withBody;
                }

                if (state.Canary is null)
                {
                    return AdminProblems.Problem(StatusCodes.Status409Conflict, "Conflict", $"release '{name}' has no other version to switch to");
                }

                var target = state.Canary;
                if (await health.CheckAsync(options, target, request.HttpContext.RequestAborted) is { } unhealthy)
                {
                    return AdminProblems.Problem(StatusCodes.Status409Conflict, "Target version is unhealthy", $"Not switching {name} to {target}: {unhealthy}");
                }

                // Only if nothing moved while the probes ran: the switch must go to the version that was checked.
                return ReleaseEndpoints.Change(core, views, request, name,
                    s => s.Canary == target ? ReleaseTransitions.Switch(s) : Transition.Refuse($"release '{name}' changed during the health check"),
                    ChangeCause.ByOperator("switch", $"operator switched every user to {target}; {state.Stable} stays warm"));
            })
            .WithName("Switch").WithSummary("Blue-green: every user to the other version at once, after checking its health (409 when unhealthy). Takes no body (415 otherwise). Honours If-Match.")
            .Produces<ReleaseView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        MapDrain(admin, "drain", "Drain", "Rolling: the destination gets no new requests; its in-flight ones complete.", ReleaseTransitions.Drain);
        MapDrain(admin, "undrain", "Undrain", "The destination takes new requests again.", ReleaseTransitions.Undrain);
        return admin;
    }

    private static void MapDrain(RouteGroupBuilder admin, string action, string name, string summary, Func<ReleaseState, DrainedDestination, Transition> transition) =>
        admin.MapPost($"/{{name}}/{action}", async (string name, HttpRequest request, RouterCore core, ReleaseViews views) =>
            {
                if (core.Options.Release(name) is not { } options)
                {
                    return AdminProblems.UnknownRelease(name);
                }

                var (body, problem) = await JsonBody.ReadAsync(request, "route", "destination");
                if (problem is not null)
                {
                    return problem;
                }

                var errors = new Dictionary<string, string[]>();
                var route = ReadString(body, "route", errors);
                var address = ReadString(body, "destination", errors);
                var routeOptions = route is null ? null : options.Routes.FirstOrDefault(r => r.Name == route);
                if (route is not null && routeOptions is null)
                {
                    errors["route"] = [$"'{route}' is not a route of release '{name}' (routes: {string.Join(", ", options.Routes.Select(r => r.Name))})"];
                }

                var known = routeOptions?.Versions.Values.SelectMany(c => c.Destinations?.Values ?? []).Select(d => d.Address).ToList();
                if (address is not null && known is not null && !known.Any(a => DrainAddresses.Same(a, address)))
                {
                    errors["destination"] = [$"'{address}' is not a destination of route '{route}' (destinations: {string.Join(", ", known)})"];
                }

                if (errors.Count > 0)
                {
                    return AdminProblems.Invalid(errors);
                }

                var canonical = known!.First(a => DrainAddresses.Same(a, address!));
                return ReleaseEndpoints.Change(core, views, request, name, s => transition(s, new DrainedDestination(route!, canonical)),
                    ChangeCause.ByOperator(action, $"operator {(action == "drain" ? "drained" : "undrained")} {canonical} of route '{route}'"));
            })
            .WithName(name).WithSummary(summary + " Body: {\"route\": \"api\", \"destination\": \"http://...\"}. Honours If-Match.")
            .Accepts<DrainRequest>("application/json")
            .Produces<ReleaseView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static string? ReadString(System.Text.Json.JsonElement body, string field, Dictionary<string, string[]> errors)
    {
        if (!JsonBody.TryGet(body, field, out var value))
        {
            errors[field] = ["is required"];
            return null;
        }

        if (value.ValueKind != System.Text.Json.JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors[field] = ["must be a non-empty string"];
            return null;
        }

        return value.GetString()!.Trim();
    }
}

/// <summary>The body of POST .../drain and .../undrain.</summary>
internal sealed record DrainRequest(string Route, string Destination);
