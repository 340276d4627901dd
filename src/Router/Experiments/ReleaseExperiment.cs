namespace Canary.Router.Experiments;

/// <summary>
/// One release's experiments: the running one (null while nobody is split by weight) and the last one that ended,
/// kept for the admin API. Replaced whole by <see cref="ExperimentBook"/>; the request path only reads it.
/// </summary>
internal sealed record ReleaseExperiment(
    string Release, IReadOnlyList<GoalOptions> Goals, ExperimentRun? Current, EndedRun? Previous, RouteGoals[] Routes)
{
    /// <summary>The request goals of one route of the release, compiled.</summary>
    public RequestGoal[]? GoalsOf(string route)
    {
        foreach (var entry in Routes)
        {
            if (ReferenceEquals(entry.Route, route) || entry.Route == route)
            {
                return entry.Goals;
            }
        }

        return null;
    }

    public static RouteGoals[] Compile(Configuration.ReleaseOptions release) =>
    [
        .. release.Routes.Select(route => new RouteGoals(route.Name, [.. release.Goals
            .Select((goal, index) => (goal, index))
            .Where(g => g.goal.Type == GoalType.Request && (g.goal.Route is null || g.goal.Route == route.Name))
            .Select(g => new RequestGoal(g.index, g.goal))]))
            .Where(r => r.Goals.Length > 0),
    ];
}

internal sealed record RouteGoals(string Route, RequestGoal[] Goals);

/// <summary>An experiment that ended, and when.</summary>
internal sealed record EndedRun(ExperimentRun Run, DateTimeOffset Ended);
