using System.Text;
using Canary.Router.Configuration;
using Canary.Router.Experiments;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Microsoft.IdentityModel.Tokens;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Canary.Router.Hosting;

/// <summary>The end users' side: YARP with the cohort step in its pipeline, on PublicUrls.</summary>
internal static class PublicHost
{
    public static async Task<WebApplication> BuildAsync(RouterCore core, RouterHostOptions hostOptions)
    {
        var builder = HostDefaults.CreateBuilder(core, core.Options.PublicUrls, hostOptions);
        hostOptions.Logging?.Invoke(builder.Logging);
        Listeners.Configure(builder, core, core.Options.Http2Cleartext, RuntimeDefaults.InlineScheduling(Environment.GetEnvironmentVariable, core.Options.PublicUrls, core.Options.Http2Cleartext));
        builder.Services.AddSingleton(core.Store);
        builder.Services.AddSingleton(core.Anonymous);
        builder.Services.AddSingleton<GuardMonitor>();
        builder.Services.AddHostedService<GuardService>();
        builder.Services.AddSingleton(core.Signal);
        builder.Services.AddSingleton<RequestRecorder>();
        builder.Services.AddSingleton(new RetryPipelines(core.Time));
        builder.Services.AddSingleton<ConfigReloader>();
        builder.Services.AddHostedService<ConfigWatcher>();
        builder.Services.AddHostedService<State.StateFlusher>();
        if (core.Shared is { } shared)
        {
            builder.Services.AddSingleton(shared);
            builder.Services.AddHostedService<State.SharedStateLoop>();
        }

        builder.Services.AddHostedService<Experiments.ExperimentFlusher>();
        builder.Services.AddHostedService<ExperimentGuardrail>();
        if (core.Options.Notify is { } notify)
        {
            Notifications.NotificationSender.AddTo(builder.Services, notify);
        }

        Telemetry.Add(builder.Services, hostOptions);
        var (routes, clusters) = YarpConfigBuilder.Build(core.Options);
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters)
            .AddTransforms(transforms =>
            {
                var recorder = transforms.Services.GetRequiredService<RequestRecorder>();
                transforms.AddRequestTransform(ForwardedHeaders.DropConnectionNamed);
                transforms.AddResponseTransform(CanaryHeaders.KeepRoutersVersion);
                transforms.AddResponseTransform(ForwardedHeaders.OnResponse);
                transforms.AddResponseTransform(recorder.OnResponseHeaders);
                transforms.AddResponseTrailersTransform(RequestRecorder.OnResponseTrailers);
            });

        // Backends' response header bytes reach the user as they were sent: HttpClient reads them as Latin-1, one char per byte.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ResponseHeaderEncodingSelector = _ => Encoding.Latin1);
        var jwt = core.Options.Authentication;
        if (jwt is not null)
        {
            AddAuthentication(builder.Services, jwt);
        }

        // What a route's AuthorizationPolicy, CorsPolicy, RateLimiterPolicy and Timeout need (YARP applies them as
        // endpoint metadata). The services always, so YARP's validator knows the names on a reload; the middleware
        // only when router.json at start uses them: four look-ups per request otherwise spent for nothing.
        builder.Services.AddAuthorization();
        builder.Services.AddCors();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddRequestTimeouts();

        var app = builder.Build();
        try
        {
            await YarpConfigChecker.CheckAsync(app.Services.GetRequiredService<IConfigValidator>(), app.Services.GetRequiredService<ITransformBuilder>(), core.Options, core.ConfigPath);
        }
        catch (ConfigException)
        {
            await app.DisposeAsync();
            throw;
        }

        // Before routing, so a trusted X-Forwarded-Host is what the routes' Hosts match.
        Listeners.UseForwardedHeaders(app, core.Options.ForwardedHeaders);
        app.UseRouting();

        // The router's own refusals, after routing chose an endpoint: TRACE would echo the request, cookies included,
        // from a backend, so it is not forwarded; no route matched is the router's 404.
        app.Use((context, next) =>
            HttpMethods.IsTrace(context.Request.Method) ? RefuseAsync(context, StatusCodes.Status405MethodNotAllowed)
            : context.GetEndpoint() is null ? RefuseAsync(context, StatusCodes.Status404NotFound)
            : next(context));
        if (jwt is not null)
        {
            app.UseAuthentication();
        }

        if (core.RoutePolicies)
        {
            app.UseCors();
            app.UseAuthorization();
            app.UseRateLimiter();
            app.UseRequestTimeouts();
        }
        app.MapGoalBeacons();
        Notices.NoticeEndpoints.MapPublicNotices(app);
        Previews.PreviewEndpoints.MapPublicPreviews(app);
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<CohortRoutingMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });

        return app;
    }

    private static Task RefuseAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
        }

        context.Response.Headers.XContentTypeOptions = ForwardedHeaders.NoSniff;
        return Task.CompletedTask;
    }

    // Claims only feed user keys and segments: an absent or invalid token leaves the user anonymous, and the
    // backend still sees the Authorization header and decides on access itself.
    private static void AddAuthentication(IServiceCollection services, JwtOptions jwt) =>
        services.AddAuthentication(Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(bearer =>
            {
                bearer.Authority = jwt.Authority;
                bearer.Audience = jwt.Audience;
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters.ValidateAudience = jwt.Audience is not null;
                bearer.TokenValidationParameters.ValidIssuer = jwt.Issuer;
                bearer.TokenValidationParameters.ValidateIssuer = jwt.Issuer is not null;
                if (jwt.SigningKey is not null)
                {
                    bearer.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey));
                }
            });
}
