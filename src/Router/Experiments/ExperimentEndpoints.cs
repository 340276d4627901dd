using Canary.Router.Admin;
using Canary.Router.Hosting;

namespace Canary.Router.Experiments;

/// <summary><c>GET /admin/releases/{name}/experiment</c>: the running experiment (or the last one that ended), with every figure.</summary>
internal static class ExperimentEndpoints
{
    public static IEndpointRouteBuilder MapExperimentEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/admin/releases")
            .AddEndpointFilter<AdminAuthFilter>()
            .WithTags("Experiments")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .MapGet("/{name}/experiment", (string name, RouterCore core) => core.Experiments.Find(name) is { } release
                    ? Results.Ok(Report(release))
                    : AdminProblems.UnknownRelease(name))
            .WithName("GetExperiment")
            .WithSummary("Users per version, each goal's conversions, lift, intervals and verdict, and the sample-ratio check.")
            .Produces<ExperimentReport>().ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    public static ExperimentReport Report(ReleaseExperiment release) =>
        release.Current is { } run ? ExperimentReport.Of(run.Snapshot(release.Release, null))
        : release.Previous is { } ended ? ExperimentReport.Of(ended.Run.Snapshot(release.Release, ended.Ended))
        : ExperimentReport.None(release.Release);
}
