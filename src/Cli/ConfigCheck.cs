using Canary.Router.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Canary.Cli;

/// <summary>
/// router.json checked exactly as the router checks it at start and on reload: its reader and validator, then YARP's
/// own route and cluster validation. Every problem, not the first.
/// </summary>
internal static class ConfigCheck
{
    public static async Task<(RouterOptions? Options, IReadOnlyList<ConfigProblem> Problems)> RunAsync(string path)
    {
        try
        {
            var options = RouterConfigLoader.Load(path);
            await using var services = new ServiceCollection().AddLogging().AddReverseProxy().Services.BuildServiceProvider();
            await YarpConfigChecker.CheckAsync(services.GetRequiredService<IConfigValidator>(), options, path);
            return (options, []);
        }
        catch (ConfigException e)
        {
            return (null, e.Problems);
        }
    }
}
