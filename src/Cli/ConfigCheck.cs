using Canary.Router.Configuration;

namespace Canary.Cli;

/// <summary>
/// router.json checked by the router's own reader and validator (the Canary.Router.Configuration library the router
/// loads it with), every problem, not the first.
/// </summary>
internal static class ConfigCheck
{
    public static (RouterOptions? Options, IReadOnlyList<ConfigProblem> Problems) Run(string path)
    {
        try
        {
            return (RouterConfigLoader.Load(path), []);
        }
        catch (ConfigException e)
        {
            return (null, e.Problems);
        }
    }
}
