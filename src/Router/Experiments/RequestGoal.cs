using Canary.Router.Metrics;

namespace Canary.Router.Experiments;

/// <summary>A request goal compiled for one route: the checks run cheapest first, and nothing allocates.</summary>
internal sealed class RequestGoal(int index, GoalOptions goal)
{
    private readonly string? _method = goal.Method?.ToUpperInvariant();
    private readonly string? _path = goal.Path?.TrimEnd('*');
    private readonly bool _prefix = goal.Path?.EndsWith('*') == true;

    /// <summary>The goal's position in the run's goal list.</summary>
    public int Index { get; } = index;

    public bool Matches(HttpRequest request, StatusClass status)
    {
        if (status != goal.Status)
        {
            return false;
        }

        if (_method is not null && !string.Equals(request.Method, _method, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (_path is null)
        {
            return true;
        }

        var path = request.Path.Value.AsSpan();
        return _prefix ? path.StartsWith(_path, StringComparison.OrdinalIgnoreCase) : path.Equals(_path, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// What the request path carries from the cohort decision to the response: the user's side of the running
/// experiment, the route's request goals, and the user's hash. Default: the request is not in an experiment.
/// </summary>
internal readonly struct ExperimentVisit(ExperimentArm arm, RequestGoal[] goals, ulong user)
{
    /// <summary>Whether the request counts in an experiment (its user was assigned by weight while one runs).</summary>
    public bool InExperiment => arm is not null;

    /// <summary>Counts the request goals the finished request reached.</summary>
    public void Record(HttpRequest request, StatusClass status)
    {
        if (goals is null)
        {
            return;
        }

        foreach (var goal in goals)
        {
            if (goal.Matches(request, status))
            {
                arm.Convert(goal.Index, user);
            }
        }
    }
}
