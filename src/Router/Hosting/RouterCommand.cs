using Canary.Router.Configuration;

namespace Canary.Router.Hosting;

/// <summary>
/// The command line: <c>--config PATH</c> (default ./router.json). Exit codes: 0 stopped when asked (SIGTERM, Ctrl-C),
/// 1 a bad config, 2 bad arguments, 3 stopped by a fault (a background loop died; the error is printed).
/// </summary>
internal static class RouterCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        RuntimeDefaults.Apply(Environment.GetEnvironmentVariable, Environment.SetEnvironmentVariable);
        var configPath = OptionLimits.DefaultConfigPath;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-c" && i + 1 < args.Length)
            {
                configPath = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = args[i]["--config=".Length..];
            }
            else
            {
                await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'. Usage: Canary.Router [--config PATH]");
                return 2;
            }
        }

        RouterHost host;
        try
        {
            host = await RouterHost.StartAsync(configPath);
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }

        IReadOnlyList<Exception> faults;
        await using (host)
        {
            Console.WriteLine($"Canary router: public {host.PublicAddress}, admin {host.AdminAddress}, config {host.Core.ConfigPath}");
            await host.WaitForShutdownAsync();
            faults = host.Faults();
        }

        foreach (var fault in faults)
        {
            await Console.Error.WriteLineAsync($"Canary router stopped by a fault: {fault}");
        }

        return faults.Count == 0 ? 0 : 3;
    }
}
