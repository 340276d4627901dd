using System.Text.Json;
using Canary.Router.Hosting;
using Canary.Router.Routing;

namespace Canary.Router.Experiments;

/// <summary>
/// The router's own paths on PublicUrls: <c>POST /canary/goals/{name}</c>, a beacon goal sent by the frontend, and
/// a 404 for anything else under <c>/canary/</c>, which is never proxied. A beacon is attributed to the user's
/// version from the release's user key or the signed anonymous cookie; a request with neither (or a tampered
/// cookie) is refused with 403, so nobody can move the counts with made-up identities.
/// </summary>
internal static class GoalBeaconEndpoints
{
    /// <summary>A beacon body is at most <c>{"value": number}</c>.</summary>
    public const int MaxBodyBytes = 1024;

    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = 4 };

    public static IEndpointRouteBuilder MapGoalBeacons(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(RouterPaths.GoalBeacon, BeaconAsync);
        endpoints.Map(RouterPaths.Prefix + "{**rest}", () =>
            Problem(StatusCodes.Status404NotFound, "Not found", "Paths under /canary/ are the router's own and are never proxied."));
        return endpoints;
    }

    private static async Task<IResult> BeaconAsync(string name, HttpContext context, RouterCore core)
    {
        var wanted = context.Request.Query["release"].ToString();
        var owners = core.Experiments.All
            .Where(r => wanted.Length == 0 || r.Release == wanted)
            .Where(r => r.Goals.Any(g => g.Type == GoalType.Beacon && string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (owners.Count == 0)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown goal", $"No release has a beacon goal named '{name}'.");
        }

        if (owners.Count > 1)
        {
            return Problem(StatusCodes.Status400BadRequest, "Ambiguous goal",
                $"Releases {string.Join(", ", owners.Select(o => o.Release))} each have a goal '{name}': add ?release=NAME.");
        }

        var release = owners[0];
        var goal = release.Goals.First(g => g.Type == GoalType.Beacon && string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase));
        var (value, problem) = await ReadValueAsync(context.Request, goal);
        if (problem is not null)
        {
            return problem;
        }

        if (core.Store.Get(release.Release) is not { } state)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown goal", $"No release has a beacon goal named '{name}'.");
        }

        var key = RequestValues.FirstOf(context, state.UserKey) is { } userKey ? userKey.AsSpan() : core.Anonymous.Verified(context);
        if (key.IsEmpty)
        {
            return Problem(StatusCodes.Status403Forbidden, "No user identity",
                "A beacon counts for a known user: send the release's user key or the router's signed cookie (a tampered cookie is refused).");
        }

        var decision = CohortDecider.Decide(state, context, key, core.Previews, core.Time);
        context.Response.Headers[CanaryHeaders.Version] = decision.Version;

        // Segment users and releases without a split are not part of an experiment: accepted, not counted.
        if (decision.Bucket >= 0 && release.Current is { } run && run.Key.Matches(state) && run.Arm(decision.Version) is { } arm
            && FindGoal(run, goal.Name) is var index and >= 0)
        {
            var user = UserHash.Of(key);
            arm.Expose(user);
            if (value is { } number)
            {
                arm.Convert(index, user, number);
            }
            else
            {
                arm.Convert(index, user);
            }
        }

        return Results.NoContent();
    }

    private static int FindGoal(ExperimentRun run, string name)
    {
        for (var i = 0; i < run.Goals.Count; i++)
        {
            if (run.Goals[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The beacon's value: none for a plain goal, a number in the goal's range for a numeric one.</summary>
    private static async Task<(double? Value, IResult? Problem)> ReadValueAsync(HttpRequest request, GoalOptions goal)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        double? value = null;
        if (length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(buffer.AsMemory(0, length), BodyOptions);
                var body = document.RootElement;
                if (body.ValueKind != JsonValueKind.Object)
                {
                    return (null, Invalid("body", "must be a JSON object such as {\"value\": 4}"));
                }

                foreach (var property in body.EnumerateObject())
                {
                    if (!string.Equals(property.Name, "value", StringComparison.OrdinalIgnoreCase))
                    {
                        return (null, Invalid(property.Name, "is not a field of a goal beacon (only \"value\")"));
                    }

                    if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out var number) || !double.IsFinite(number))
                    {
                        return (null, Invalid("value", "must be a number"));
                    }

                    value = number;
                }
            }
            catch (JsonException e)
            {
                return (null, Invalid("body", "is not valid JSON: " + e.Message));
            }
        }

        if (goal.Value && value is null)
        {
            return (null, Invalid("value", $"is required: goal '{goal.Name}' counts a number"));
        }

        if (!goal.Value && value is not null)
        {
            return (null, Invalid("value", $"goal '{goal.Name}' takes no value"));
        }

        if (value is { } v && (v < goal.Min || v > goal.Max))
        {
            return (null, Invalid("value", $"must be between {goal.Min} and {goal.Max}"));
        }

        return (value, null);
    }

    private static IResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"A goal beacon's body is at most {MaxBodyBytes} bytes.");

    // The same RFC 7807 shapes as the admin API.
    private static IResult Invalid(string field, string error) => Admin.AdminProblems.Invalid(field, error);

    private static IResult Problem(int status, string title, string detail) => Admin.AdminProblems.Problem(status, title, detail);
}
