using Canary.Router.Configuration;
using Canary.Router.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Canary.Router.Tests.Hosting;

public sealed class HostDefaultsTests
{
    [Fact]
    public void CreateBuilder_ConsoleLogging_DropsLinesInsteadOfBlockingWhenItsQueueIsFull()
    {
        var folder = Directory.CreateTempSubdirectory("canary-host-").FullName;
        try
        {
            var path = Path.Combine(folder, "router.json");
            const string json = """{ "Router": { "StateFile": "router.state.json", "Releases": { "shop": { "Stable": "v1", "Routes": { "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:1"] } } } } } } }""";
            File.WriteAllText(path, json);
            var core = new RouterCore(RouterConfigLoader.Parse(json, path), path, new FakeTimeProvider());

            var builder = HostDefaults.CreateBuilder(core, "http://127.0.0.1:0", new RouterHostOptions());
            using var services = builder.Services.BuildServiceProvider();

            Assert.Equal(ConsoleLoggerQueueFullMode.DropWrite, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.QueueFullMode);
        }
        finally
        {
            TempFolder.DeleteQuietly(folder);
        }
    }
}
