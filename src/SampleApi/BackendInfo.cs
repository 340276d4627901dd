namespace Canary.SampleApi;

/// <summary>Who this backend is, as configured at startup.</summary>
internal sealed record BackendInfo(string Version, string Instance, bool Ratings)
{
    public const string VersionHeader = "X-Backend-Version";

    public static BackendInfo FromConfiguration(IConfiguration configuration)
    {
        var version = configuration["Version"] ?? "v1";
        return new BackendInfo(
            version,
            configuration["Instance"] ?? $"{Environment.MachineName}-{Environment.ProcessId}",
            // Ratings are the "new feature" of the canary: on for anything newer than v1 unless configured.
            configuration.GetValue("Features:Ratings", version != "v1"));
    }
}
