using Canary.Router.Admin;
using Canary.Router.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Canary.Testing;

/// <summary>
/// The router in memory, for tests of the admin API (endpoints, problem details, auth) where a real socket is not the
/// point: ASP.NET's <see cref="WebApplicationFactory{TEntryPoint}"/> over the real <see cref="RouterHost"/> with both
/// hosts on TestServer. <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> talks to the admin host;
/// <see cref="CreatePublicClient"/> to the public one. router.json, the state file and the cookie key live in a
/// temporary folder of its own; backends are named in router.json but need not run unless a test proxies.
/// </summary>
internal sealed class RouterFactory(string routerJson, string? adminKey) : WebApplicationFactory<RouterHost>
{
    private InProcessRouter? _router;

    public RouterHost Router => (_router ?? throw new InvalidOperationException("the factory has not started the router yet: create a client first")).Host;

    public string Folder => _router!.Folder;

    /// <summary>A client of the public host (end users' side), in memory.</summary>
    public HttpClient CreatePublicClient()
    {
        _ = Server; // starts the router
        return ((TestServer)Router.PublicServices.GetRequiredService<IServer>()).CreateClient();
    }

    // The router builds its own two hosts; the factory's builder is only the hook that asks for them.
    protected override IHostBuilder CreateHostBuilder() => new HostBuilder();

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _router = InProcessRouter.StartAsync("factory", routerJson, new RouterHostOptions
        {
            AdminKey = new AdminKey(adminKey),
            WebHost = web => web.UseTestServer(),
        }).GetAwaiter().GetResult();
        return new AdminSide(_router);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _router?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _router = null;
    }

    /// <summary>The admin host as the factory's IHost: its services hold the TestServer the factory's clients use.</summary>
    private sealed class AdminSide(InProcessRouter router) : IHost
    {
        public IServiceProvider Services => router.Host.AdminServices;

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken = default) => router.StopAsync();

        public void Dispose()
        {
        }
    }
}
