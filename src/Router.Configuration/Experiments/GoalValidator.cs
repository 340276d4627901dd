using System.Text.RegularExpressions;
using Canary.Router.Configuration;

namespace Canary.Router.Experiments;

/// <summary>The semantic rules of a release's goals, every problem reported with its path, like the rest of router.json.</summary>
internal static partial class GoalValidator
{
    /// <summary>Each goal costs two 16 KB sketches (one per version): 20 keep a release under 1 MB.</summary>
    public const int MaxGoals = 20;

    public static void Validate(ReleaseOptions release, string path, List<ConfigProblem> problems)
    {
        if (release.Goals.Count > MaxGoals)
        {
            problems.Add(new ConfigProblem($"{path}.Goals", null, $"lists {release.Goals.Count} goals; at most {MaxGoals} per release"));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var goal in release.Goals)
        {
            var at = $"{path}.Goals[{goal.Index}]";
            if (!Name().IsMatch(goal.Name))
            {
                problems.Add(new ConfigProblem($"{at}.Name", Quote(goal.Name), "is required: letters, digits, '-', '_' and '.' only"));
            }
            else if (!names.Add(goal.Name))
            {
                problems.Add(new ConfigProblem($"{at}.Name", Quote(goal.Name), "is used by another goal of this release"));
            }

            if (goal.Type == GoalType.Request)
            {
                CheckRequestGoal(release, goal, at, problems);
            }
            else
            {
                CheckBeaconGoal(goal, at, problems);
            }
        }
    }

    private static void CheckRequestGoal(ReleaseOptions release, GoalOptions goal, string at, List<ConfigProblem> problems)
    {
        if (goal.Route is null && goal.Path is null)
        {
            problems.Add(new ConfigProblem(at, null, "a request goal needs a Route or a Path"));
        }

        if (goal.Route is not null && release.Routes.All(r => r.Name != goal.Route))
        {
            problems.Add(new ConfigProblem($"{at}.Route", Quote(goal.Route), "is not a route of this release"));
        }

        if (goal.Method is not null && !Token().IsMatch(goal.Method))
        {
            problems.Add(new ConfigProblem($"{at}.Method", Quote(goal.Method), "must be an HTTP method such as GET or POST"));
        }

        if (goal.Path is not null && (!goal.Path.StartsWith('/') || goal.Path.IndexOf('*', StringComparison.Ordinal) is var star && star >= 0 && star != goal.Path.Length - 1))
        {
            problems.Add(new ConfigProblem($"{at}.Path", Quote(goal.Path), "must start with '/' and may end in '*' (a prefix), nowhere else"));
        }

        if (goal.Value || goal.HasRange)
        {
            problems.Add(new ConfigProblem($"{at}.Value", null, "values (Value, Min, Max) are for beacon goals; a request goal counts users"));
        }
    }

    private static void CheckBeaconGoal(GoalOptions goal, string at, List<ConfigProblem> problems)
    {
        if (goal.Route is not null || goal.Method is not null || goal.Path is not null || goal.HasStatus)
        {
            problems.Add(new ConfigProblem(at, null, "Route, Method, Path and Status are for request goals; a beacon goal is sent to /canary/goals/{name}"));
        }

        if (goal.HasRange && !goal.Value)
        {
            problems.Add(new ConfigProblem($"{at}.Value", null, "must be true for Min and Max to apply"));
        }

        if (goal.Min > goal.Max)
        {
            problems.Add(new ConfigProblem($"{at}.Min", goal.Min.ToString(System.Globalization.CultureInfo.InvariantCulture), "must not be above Max"));
        }
    }

    private static string Quote(string? text) => "\"" + text + "\"";

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex Name();

    [GeneratedRegex("^[A-Za-z]+$")]
    private static partial Regex Token();
}
