using Canary.Cli.Tests.Support;
using Canary.Router.Admin;
using Canary.Router.Configuration;
using Canary.Router.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Canary.Cli.Tests.Commands;

/// <summary>A running router, whose YARP validator and transform builder judge each transform.</summary>
public sealed class RunningRouterFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-cli-transforms-").FullName;
    private RouterHost? _router;

    internal IServiceProvider Services => _router!.PublicServices;

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_folder, "router.json");
        await File.WriteAllTextAsync(path, ValidateTransformsTests.RouterJson("""{ "PathPrefix": "/v1" }"""));
        _router = await RouterHost.StartAsync(path, new RouterHostOptions { AdminKey = AdminKey.Load("parity-test-key", null) });
    }

    public async Task DisposeAsync()
    {
        await _router!.DisposeAsync();
        TempFolder.DeleteQuietly(_folder);
    }
}

public sealed class ValidateTransformsTests(RunningRouterFixture router) : IClassFixture<RunningRouterFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-cli-validate-transforms-").FullName;

    public void Dispose() => TempFolder.DeleteQuietly(_folder);

    internal static string RouterJson(params string[] transforms) => $$"""
        { "Router": { "PublicUrls": "http://127.0.0.1:0", "AdminUrls": "http://127.0.0.1:0", "Releases": { "shop": { "Stable": "v1",
          "Routes": { "api": { "Path": "/api/{**rest}", "Transforms": [ {{string.Join(", ", transforms)}} ], "Versions": { "v1": ["http://127.0.0.1:5001"] } } } } } } }
        """;

    /// <summary>Each built-in transform kind, taken and refused; <c>refused</c> is YARP's verdict, so each row tests what it says.</summary>
    public static TheoryData<string, bool> Transforms => new()
    {
        // Path
        { """{ "PathPrefix": "/v1" }""", false },
        { """{ "pathprefix": "v1" }""", false },
        { """{ "PathSet": "/x" }""", false },
        { """{ "PathRemovePrefix": "/api" }""", false },
        { """{ "PathPattern": "/v2/{**rest}" }""", false },
        { """{ "PathPattern": "v2/{id}" }""", false },
        { """{ "PathPrefix": "/v1", "Extra": "x" }""", true },
        { """{ "PathPattern": "/{id" }""", true },
        { """{ "PathPattern": "/{id}/{ID}" }""", true },
        { """{ "PathPrefix": "/a", "RequestHeader": "X-A" }""", true },

        // Query
        { """{ "QueryValueParameter": "a", "Set": "1" }""", false },
        { """{ "QueryValueParameter": "a", "Append": "" }""", false },
        { """{ "QueryRouteParameter": "a", "Set": "rest" }""", false },
        { """{ "QueryRemoveParameter": "a" }""", false },
        { """{ "QueryValueParameter": "a" }""", true },
        { """{ "QueryValueParameter": "a", "Sett": "1" }""", true },
        { """{ "QueryValueParameter": "a", "Set": "1", "Append": "2" }""", true },
        { """{ "QueryValueParameter": "", "Set": "1" }""", true },
        { """{ "QueryRouteParameter": "a" }""", true },
        { """{ "QueryRouteParameter": "a", "Append": "" }""", true },
        { """{ "QueryRemoveParameter": "" }""", true },
        { """{ "QueryRemoveParameter": "a", "Set": "b" }""", true },

        // HTTP method
        { """{ "HttpMethodChange": "GET", "Set": "POST" }""", false },
        { """{ "HttpMethodChange": "GET" }""", true },
        { """{ "HttpMethodChange": "GET", "Set": "POST", "Extra": "1" }""", true },
        { """{ "HttpMethodChange": "", "Set": "POST" }""", true },
        { """{ "HttpMethodChange": "GET", "Set": "" }""", true },

        // Request headers
        { """{ "RequestHeadersCopy": "true" }""", false },
        { """{ "RequestHeadersCopy": " False " }""", false },
        { """{ "RequestHeaderOriginalHost": "TRUE" }""", false },
        { """{ "RequestHeader": "X-From", "Set": "router" }""", false },
        { """{ "requestheader": "X-From", "append": "" }""", false },
        { """{ "RequestHeaderRouteValue": "X-Id", "Set": "id" }""", false },
        { """{ "RequestHeaderRemove": "Cookie" }""", false },
        { """{ "RequestHeadersAllowed": "Accept;;Cookie" }""", false },
        { """{ "RequestHeadersCopy": "yes" }""", true },
        { """{ "RequestHeadersCopy": "1", "Extra": "y" }""", true },
        { """{ "RequestHeaderOriginalHost": "maybe" }""", true },
        { """{ "RequestHeader": "X-From", "Value": "router" }""", true },
        { """{ "RequestHeader": "X-From", "Set": "a", "Append": "b" }""", true },
        { """{ "RequestHeader": "X-From" }""", true },
        { """{ "RequestHeader": "", "Set": "a" }""", true },
        { """{ "RequestHeaderRouteValue": "X-Id", "Sett": "id" }""", true },
        { """{ "RequestHeaderRouteValue": "X-Id", "Set": "" }""", true },
        { """{ "RequestHeaderRemove": "" }""", true },
        { """{ "RequestHeadersAllowed": "a", "b": "c" }""", true },

        // Response headers and trailers
        { """{ "ResponseHeadersCopy": "false" }""", false },
        { """{ "ResponseTrailersCopy": "true" }""", false },
        { """{ "ResponseHeader": "X-V", "Set": "2", "When": "always" }""", false },
        { """{ "ResponseHeader": "X-V", "Append": "2" }""", false },
        { """{ "ResponseTrailer": "grpc-x", "Append": "x", "When": "2" }""", false },
        { """{ "ResponseHeaderRemove": "Server", "When": "Failure" }""", false },
        { """{ "ResponseTrailerRemove": "x" }""", false },
        { """{ "ResponseHeadersAllowed": "Content-Type" }""", false },
        { """{ "ResponseTrailersAllowed": "" }""", false },
        { """{ "ResponseHeadersCopy": "nope" }""", true },
        { """{ "ResponseTrailersCopy": "" }""", true },
        { """{ "ResponseHeader": "X-V", "Set": "1", "When": "Sometimes" }""", true },
        { """{ "ResponseHeader": "X-V", "When": "Always" }""", true },
        { """{ "ResponseHeader": "X-V", "Set": "1", "When": "Always", "Extra": "z" }""", true },
        { """{ "ResponseHeader": "X-V", "Set": "1", "Append": "2" }""", true },
        { """{ "ResponseHeader": "", "Set": "1" }""", true },
        { """{ "ResponseTrailer": "X-V", "Set": "1", "When": "never" }""", true },
        { """{ "ResponseHeaderRemove": "X-V", "When": "later" }""", true },
        { """{ "ResponseHeaderRemove": "", "When": "Always" }""", true },
        { """{ "ResponseTrailerRemove": "X-V", "Set": "1" }""", true },

        // X-Forwarded, Forwarded, client certificate
        { """{ "X-Forwarded": "Set", "For": "Remove", "Prefix": "Off", "Host": "Append", "Proto": "Set", "HeaderPrefix": "X-F-" }""", false },
        { """{ "X-Forwarded": "Off", "HeaderPrefix": "" }""", false },
        { """{ "X-Forwarded": "1" }""", false },
        { """{ "X-Forwarded": "Set, Append" }""", false },
        { """{ "X-Forwarded": "set" }""", true },
        { """{ "X-Forwarded": "" }""", true },
        { """{ "X-Forwarded": "Set", "For": "Drop", "By": "Set" }""", true },
        { """{ "Forwarded": "for,proto", "ForFormat": "IpAndPort", "Action": "Append" }""", false },
        { """{ "Forwarded": "by host", "ByFormat": "randomandrandomport" }""", false },
        { """{ "Forwarded": "for,server" }""", true },
        { """{ "Forwarded": "for", "ForFormat": "Ipv6" }""", true },
        { """{ "Forwarded": "by", "Action": "Replace" }""", true },
        { """{ "Forwarded": "proto", "ForFormat": "Ip" }""", true },
        { """{ "Forwarded": "for", "Extra": "1" }""", true },
        { """{ "ClientCert": "X-Client-Cert" }""", false },
        { """{ "ClientCert": "" }""", true },
        { """{ "ClientCert": "X-Client-Cert", "PathSet": "/" }""", true },

        // Nothing knows it
        { """{ "PathPrefixx": "/v1" }""", true },
        { """{ "Set": "1" }""", true },
        { """{ "RequestHeaderName": "X-A", "Set": "1" }""", true },
    };

    [Theory]
    [MemberData(nameof(Transforms))]
    public async Task Check_ATransform_TheSameProblemsAsYarp(string transform, bool refused)
    {
        var own = new List<ConfigProblem>();
        var options = RouterConfigReader.Read(RouterJson(transform), own)!;
        RouterConfigValidator.Validate(options, own);
        Assert.Empty(own);

        var library = new List<ConfigProblem>();
        YarpRules.Check(options, library);
        var yarp = await YarpProblemsAsync(options);

        Assert.Equal(refused, yarp.Count > 0);
        Assert.Equal(yarp.Select(Line), library.Select(Line));
    }

    [Fact]
    public async Task Check_SeveralTransforms_EachProblemNamesItsTransform()
    {
        var own = new List<ConfigProblem>();
        var options = RouterConfigReader.Read(RouterJson("""{ "PathPrefix": "/v1" }""", """{ "RequestHeader": "X-A" }""", """{ "X-Forwarded": "Sett", "For": "Nope" }"""), own)!;

        var yarp = await YarpProblemsAsync(options);
        YarpRules.Check(options, own);

        string[] expected =
        [
            """Router.Releases.shop.Routes.api.Transforms[1] | {"RequestHeader":"X-A"} | Unexpected parameters for RequestHeader: RequestHeader. Expected 'Set' or 'Append'""",
            """Router.Releases.shop.Routes.api.Transforms[2] | {"X-Forwarded":"Sett","For":"Nope"} | Unexpected value for X-Forwarded: Sett. Expected one of ForwardedTransformActions""",
            """Router.Releases.shop.Routes.api.Transforms[2] | {"X-Forwarded":"Sett","For":"Nope"} | Unexpected value for For: Nope. Expected one of ForwardedTransformActions""",
        ];
        Assert.Equal(expected, own.Select(Line));
        Assert.Equal(expected, yarp.Select(Line));
    }

    [Fact]
    public async Task Validate_AFileWithBadTransforms_ListsEachAndExits6()
    {
        var path = Path.Combine(_folder, "router.json");
        await File.WriteAllTextAsync(path, RouterJson("""{ "PathPrefix": "/v1" }""", """{ "RequestHeader": "X-From", "Sett": "router" }""", """{ "ResponseHeader": "X-V", "Set": "1", "When": "Sometimes" }""", """{ "PathPrefx": "/v2" }"""));

        var text = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path);
        var json = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path, "-o", "json");

        Assert.Equal(ExitCodes.InvalidConfig, text.ExitCode);
        Assert.Contains("has 3 problem(s):", text.Out, StringComparison.Ordinal);
        Assert.Contains("""  Router.Releases.shop.Routes.api.Transforms[3] = {"PathPrefx":"/v2"}: Unknown transform: PathPrefx""", text.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidConfig, json.ExitCode);
        var problems = json.Json["problems"]!.AsArray().Select(p => ((string?)p!["path"], (string?)p["message"])).ToList();
        Assert.Equal(
            [
                ("Router.Releases.shop.Routes.api.Transforms[1]", "Unexpected parameters for RequestHeader: RequestHeader;Sett. Expected 'Set' or 'Append'"),
                ("Router.Releases.shop.Routes.api.Transforms[2]", "Unexpected value for ResponseHeader:When: Sometimes. Expected 'Always', 'Success', or 'Failure'"),
                ("Router.Releases.shop.Routes.api.Transforms[3]", "Unknown transform: PathPrefx"),
            ],
            problems);
    }

    /// <summary>What the router's own check (YARP's validator and transform builder) finds in these options.</summary>
    private async Task<IReadOnlyList<ConfigProblem>> YarpProblemsAsync(RouterOptions options)
    {
        try
        {
            await YarpConfigChecker.CheckAsync(router.Services.GetRequiredService<IConfigValidator>(), router.Services.GetRequiredService<ITransformBuilder>(), options, "router.json");
            return [];
        }
        catch (ConfigException e)
        {
            return e.Problems;
        }
    }

    private static string Line(ConfigProblem p) => $"{p.Path} | {p.Value} | {p.Message}";
}
