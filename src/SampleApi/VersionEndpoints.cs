namespace Canary.SampleApi;

internal static class VersionEndpoints
{
    public static IEndpointRouteBuilder MapVersionEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/version", (BackendInfo backend) => new VersionResponse(backend.Version, backend.Instance));
        return endpoints;
    }

    internal sealed record VersionResponse(string Version, string Instance);
}
