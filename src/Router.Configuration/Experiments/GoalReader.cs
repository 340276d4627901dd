using Canary.Router.Configuration;
using Canary.Router.Metrics;

namespace Canary.Router.Experiments;

/// <summary>Reads a release's <c>Goals</c> list from router.json, recording every shape problem.</summary>
internal static class GoalReader
{
    private static readonly string[] StatusLabels = ["2xx", "3xx", "4xx", "5xx", "error"];

    public static IReadOnlyList<GoalOptions> Read(JsonSection release, List<ConfigProblem> problems)
    {
        var goals = new List<GoalOptions>();
        var index = 0;
        foreach (var (element, path) in release.Items("Goals"))
        {
            var goal = JsonSection.Open(element, path, problems);
            if (goal is not null)
            {
                goals.Add(ReadGoal(goal, index, problems));
                goal.Complete();
            }

            index++;
        }

        return goals;
    }

    private static GoalOptions ReadGoal(JsonSection goal, int index, List<ConfigProblem> problems)
    {
        var type = GoalType.Request;
        if (goal.String("Type") is { } typeText && !Enum.TryParse(typeText, ignoreCase: true, out type))
        {
            problems.Add(new ConfigProblem(goal.PathOf("Type"), $"\"{typeText}\"", "must be Request or Beacon"));
        }
        else if (!goal.Has("Type"))
        {
            problems.Add(new ConfigProblem(goal.PathOf("Type"), null, "is required: Request or Beacon"));
        }

        var better = GoalDirection.Higher;
        if (goal.String("Better") is { } betterText && !Enum.TryParse(betterText, ignoreCase: true, out better))
        {
            problems.Add(new ConfigProblem(goal.PathOf("Better"), $"\"{betterText}\"", "must be Higher or Lower"));
        }

        var status = StatusClass.Success2xx;
        if (goal.String("Status") is { } statusText)
        {
            var found = Array.FindIndex(StatusLabels, label => string.Equals(label, statusText, StringComparison.OrdinalIgnoreCase));
            if (found < 0)
            {
                problems.Add(new ConfigProblem(goal.PathOf("Status"), $"\"{statusText}\"", "must be 2xx, 3xx, 4xx, 5xx or error"));
            }
            else
            {
                status = (StatusClass)found;
            }
        }

        return new GoalOptions
        {
            Name = goal.String("Name") ?? "",
            Type = type,
            Better = better,
            Route = goal.String("Route"),
            Method = goal.String("Method"),
            Path = goal.String("Path"),
            Status = status,
            Value = goal.Boolean("Value", false),
            Guardrail = goal.Boolean("Guardrail", false),
            Min = goal.Number("Min", double.MinValue),
            Max = goal.Number("Max", double.MaxValue),
            Index = index,
            HasStatus = goal.Has("Status"),
            HasRange = goal.Has("Min") || goal.Has("Max"),
        };
    }
}
