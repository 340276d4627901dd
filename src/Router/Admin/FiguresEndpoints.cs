using Canary.Router.Guard;
using Canary.Router.Hosting;

namespace Canary.Router.Admin;

/// <summary>Live per-version figures over a short window, for the dashboard's charts.</summary>
internal static class FiguresEndpoints
{
    public const int DefaultSeconds = 5;
    public const int MaxSeconds = GuardMonitor.FiguresSeconds;

    public static RouteGroupBuilder MapFiguresEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/{name}/figures", (string name, int? seconds, RouterCore core, GuardMonitor guard) =>
            {
                if (core.Store.Get(name) is not { } state)
                {
                    return AdminProblems.UnknownRelease(name);
                }

                var window = seconds ?? DefaultSeconds;
                if (window is < 1 or > MaxSeconds)
                {
                    return AdminProblems.Invalid("seconds", $"must be between 1 and {MaxSeconds}");
                }

                var versions = new[] { state.Stable, state.Canary }.OfType<string>()
                    .ToDictionary(v => v, v =>
                    {
                        var figures = guard.Figures(name, v, window);
                        return new VersionFigures((double)figures.Requests / window, figures.ErrorRate, figures.SlowRate, figures.Requests);
                    });
                return TypedResults.Ok(new FiguresResponse(name, window, core.Time.GetUtcNow(), versions));
            })
            .WithName("GetFigures").WithSummary("Per-version request rate, error rate and share of slow responses over the last seconds (default 5).")
            .Produces<FiguresResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }
}

/// <summary>SlowRate: the share of latency samples whose headers came later than the guard's MaxP99Ms.</summary>
internal sealed record VersionFigures(double RequestsPerSecond, double ErrorRate, double SlowRate, long Requests);

internal sealed record FiguresResponse(string Release, int Seconds, DateTimeOffset At, IReadOnlyDictionary<string, VersionFigures> Versions);
