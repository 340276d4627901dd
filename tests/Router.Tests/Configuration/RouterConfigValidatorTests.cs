using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using static Canary.Router.Tests.Configuration.RouterJson;

namespace Canary.Router.Tests.Configuration;

/// <summary>
/// Every rule of router.json, through the loader as the router reads a file: each bad input is refused with a
/// problem that names where it is and why.
/// </summary>
public sealed class RouterConfigValidatorTests
{
    [Fact]
    public void Parse_RepositoryRouterJson_Accepted()
    {
        var options = RouterConfigLoader.Load(Path.Combine(AppContext.BaseDirectory, "router.json"));

        var shop = Assert.Single(options.Releases);
        Assert.Equal("shop", shop.Name);
        Assert.Equal("v1", shop.Stable);
        Assert.Equal("v2", shop.Canary);
        Assert.Equal(10, shop.Weight);
        Assert.Equal([new UserKeySource(RequestValueKind.Header, "X-User-Id"), new UserKeySource(RequestValueKind.Cookie, "uid")], shop.UserKey);
        var beta = Assert.Single(shop.Segments);
        Assert.Equal(new UserKeySource(RequestValueKind.Header, "X-Beta"), beta.Source);
        Assert.Equal(["api", "web"], shop.Routes.Select(r => r.Name));
        Assert.Equal("http://127.0.0.1:5002", shop.Routes[0].Versions["v2"].Destinations!.Values.Single().Address);
        Assert.Equal("shop/api/v2", shop.Routes[0].Versions["v2"].ClusterId);
    }

    [Fact]
    public void Parse_ValidFileWithCommentsAndTrailingCommas_Accepted()
    {
        var json = Valid.Replace("\"Weight\": 10,", "\"Weight\": 10, // percent\n", StringComparison.Ordinal)
            .Replace("\"MaxP99Ms\": 1000 }", "\"MaxP99Ms\": 1000, }", StringComparison.Ordinal);

        Assert.Equal(10, RouterConfigLoader.Parse(json, "test").Releases[0].Weight);
    }

    [Fact]
    public void Parse_KeysInAnyCase_Accepted()
    {
        // .NET configuration users expect keys to match case-insensitively.
        var json = Valid.Replace("\"Weight\"", "\"weight\"", StringComparison.Ordinal).Replace("\"Stable\"", "\"STABLE\"", StringComparison.Ordinal);

        var shop = RouterConfigLoader.Parse(json, "test").Releases[0];

        Assert.Equal(10, shop.Weight);
        Assert.Equal("v1", shop.Stable);
    }

    [Fact]
    public void Parse_InvalidJson_ProblemWithLine()
    {
        var problems = Problems("{ \"Router\": { \"Releases\": \n");

        var problem = Assert.Single(problems);
        Assert.StartsWith("line ", problem.Path, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RootNotAnObject_Refused()
    {
        var problems = Problems("[1, 2]");

        Assert.Contains(problems, p => p.Message.Contains("must be an object", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MissingRouter_Refused()
    {
        var problems = Problems("{}");

        AssertProblem(problems, "Router", "is required");
    }

    [Fact]
    public void Parse_RouterMisspelt_BothReported()
    {
        var problems = Problems("""{ "Routr": { } }""");

        AssertProblem(problems, "Router", "is required");
        AssertProblem(problems, "Routr", "not a known key");
    }

    [Fact]
    public void Parse_UnknownKey_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Wieght"] = 20));

        AssertProblem(problems, $"{Shop}.Wieght", "not a known key");
    }

    [Fact]
    public void Parse_UnknownKeyInNestedSections_Refused()
    {
        var problems = Problems(Edit(r =>
        {
            r["Releases"]!["shop"]!["Guard"]!["MaxErrorRte"] = 0.1;
            r["Releases"]!["shop"]!["Routes"]!["api"]!["Pth"] = "/x";
            r["Releases"]!["shop"]!["Segments"]![0]!["Value"] = "true";
            r["PublicUrl"] = "http://127.0.0.1:1";
        }));

        AssertProblem(problems, $"{Shop}.Guard.MaxErrorRte", "not a known key");
        AssertProblem(problems, $"{Shop}.Routes.api.Pth", "not a known key");
        AssertProblem(problems, $"{Shop}.Segments[0].Value", "not a known key");
        AssertProblem(problems, "Router.PublicUrl", "not a known key");
    }

    [Theory]
    [InlineData(150)]
    [InlineData(-1)]
    [InlineData(100.01)]
    public void Parse_WeightOutOfRange_Refused(double weight)
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Weight"] = weight));

        var problem = AssertProblem(problems, $"{Shop}.Weight", "between 0 and 100");
        Assert.Contains(JsonValue.Create(weight).ToJsonString(), problem.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.01)]
    [InlineData(99.99)]
    [InlineData(100)]
    public void Parse_WeightInRange_Accepted(double weight)
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Releases"]!["shop"]!["Weight"] = weight), "test");

        Assert.Equal(weight, options.Releases[0].Weight);
    }

    [Fact]
    public void Parse_WeightWithoutCanary_Refused()
    {
        var problems = Problems(Edit(r =>
        {
            var shop = r["Releases"]!["shop"]!.AsObject();
            shop.Remove("Canary");
            shop.Remove("Segments");
        }));

        AssertProblem(problems, $"{Shop}.Weight", "needs a Canary");
    }

    [Fact]
    public void Parse_NoCanaryWeightZero_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r =>
        {
            var shop = r["Releases"]!["shop"]!.AsObject();
            shop.Remove("Canary");
            shop.Remove("Segments");
            shop["Weight"] = 0;
        }), "test");

        Assert.Null(options.Releases[0].Canary);
    }

    [Fact]
    public void Parse_CanaryEqualsStable_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Canary"] = "v1"));

        AssertProblem(problems, $"{Shop}.Canary", "must differ from Stable");
    }

    [Fact]
    public void Parse_StableNotServedByARoute_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["web"]!["Versions"]!.AsObject().Remove("v1")));

        var problem = AssertProblem(problems, $"{Shop}.Stable", "every route of a release must serve it");
        Assert.Contains("web", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("api", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StableUnknown_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Stable"] = "v3"));

        var problem = AssertProblem(problems, $"{Shop}.Stable", "is not a version of route(s) api, web");
        Assert.Equal("\"v3\"", problem.Value);
    }

    [Fact]
    public void Parse_StableMissing_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!.AsObject().Remove("Stable")));

        AssertProblem(problems, $"{Shop}.Stable", "is required");
    }

    [Fact]
    public void Parse_CanaryNotServed_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!.AsObject().Remove("v2")));

        var problem = AssertProblem(problems, $"{Shop}.Canary", "is not a version of route(s) api");
        Assert.Equal("\"v2\"", problem.Value);
    }

    [Fact]
    public void Parse_SegmentWithTwoSources_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!["Cookie"] = "beta"));

        AssertProblem(problems, $"{Shop}.Segments[0]", "exactly one of Header, Cookie, Query or Claim (found 2)");
    }

    [Fact]
    public void Parse_SegmentWithNoSource_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!.AsObject().Remove("Header")));

        AssertProblem(problems, $"{Shop}.Segments[0]", "exactly one of Header, Cookie, Query or Claim (found 0)");
    }

    [Fact]
    public void Parse_SegmentWithoutValues_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!.AsObject().Remove("Values")));

        AssertProblem(problems, $"{Shop}.Segments[0].Values", "at least one non-empty value");
    }

    [Fact]
    public void Parse_SegmentWithEmptyValue_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!["Values"] = new JsonArray("true", "")));

        AssertProblem(problems, $"{Shop}.Segments[0].Values", "at least one non-empty value");
    }

    [Fact]
    public void Parse_SegmentValuesAsSingleString_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!["Values"] = "true"), "test");

        Assert.Equal(["true"], options.Releases[0].Segments[0].Values);
    }

    [Fact]
    public void Parse_SegmentVersionUnknown_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!["Version"] = "v9"));

        var problem = AssertProblem(problems, $"{Shop}.Segments[0].Version", "is not a version of route(s) api, web");
        Assert.Equal("\"v9\"", problem.Value);
    }

    [Fact]
    public void Parse_SegmentVersionMissing_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]![0]!.AsObject().Remove("Version")));

        AssertProblem(problems, $"{Shop}.Segments[0].Version", "is required");
    }

    [Fact]
    public void Parse_DuplicateSegmentNames_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"]!.AsArray().Add(
            JsonNode.Parse("""{ "Name": "BETA", "Query": "beta", "Values": ["1"], "Version": "v2" }"""))));

        var problem = AssertProblem(problems, $"{Shop}.Segments[1].Name", "is used by another segment");
        Assert.Equal("\"BETA\"", problem.Value);
    }

    [Fact]
    public void Parse_SegmentOfEachKind_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r =>
        {
            r["Authentication"] = JsonNode.Parse("""{ "SigningKey": "0123456789abcdef0123456789abcdef" }""");
            r["Releases"]!["shop"]!["Segments"] = JsonNode.Parse("""
                [
                  { "Name": "h", "Header": "X-Beta", "Values": ["true"], "Version": "v2" },
                  { "Name": "c", "Cookie": "beta", "Values": ["1"], "Version": "v2" },
                  { "Name": "q", "Query": "preview", "Values": ["on"], "Version": "v2" },
                  { "Name": "cl", "Claim": "tier", "Values": ["gold"], "Version": "v1" }
                ]
                """);
        }), "test");

        Assert.Equal(
            [RequestValueKind.Header, RequestValueKind.Cookie, RequestValueKind.Query, RequestValueKind.Claim],
            options.Releases[0].Segments.Select(s => s.Source.Kind));
    }

    [Fact]
    public void Parse_ClaimUserKeyWithoutAuthentication_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["UserKey"] = new JsonArray("claim:sub")));

        var problem = AssertProblem(problems, $"{Shop}.UserKey[0]", "need Router.Authentication");
        Assert.Equal("\"claim:sub\"", problem.Value);
    }

    [Fact]
    public void Parse_ClaimSegmentWithoutAuthentication_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"] = JsonNode.Parse(
            """[{ "Name": "gold", "Claim": "tier", "Values": ["gold"], "Version": "v2" }]""")));

        AssertProblem(problems, $"{Shop}.Segments[0].Claim", "need Router.Authentication");
    }

    [Fact]
    public void Parse_ClaimUserKeyWithAuthentication_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r =>
        {
            r["Authentication"] = JsonNode.Parse("""{ "Authority": "https://login.example.com", "Audience": "shop" }""");
            r["Releases"]!["shop"]!["UserKey"] = new JsonArray("claim:sub", "header:X-User-Id");
        }), "test");

        Assert.Equal(new UserKeySource(RequestValueKind.Claim, "sub"), options.Releases[0].UserKey[0]);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("header:")]
    [InlineData(":X-User-Id")]
    [InlineData("body:user")]
    [InlineData("7:x")]
    public void Parse_BadUserKeyForm_Refused(string userKey)
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["UserKey"] = new JsonArray("header:X-User-Id", userKey)));

        var problem = AssertProblem(problems, $"{Shop}.UserKey[1]", "must be header:NAME, cookie:NAME, query:NAME or claim:TYPE");
        Assert.Equal($"\"{userKey}\"", problem.Value);
    }

    [Fact]
    public void Parse_UserKeyAnyCaseAndSingleString_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Releases"]!["shop"]!["UserKey"] = "Query:uid"), "test");

        Assert.Equal([new UserKeySource(RequestValueKind.Query, "uid")], options.Releases[0].UserKey);
    }

    [Theory]
    [InlineData("WindowSeconds", 0, "between 1 and 600")]
    [InlineData("WindowSeconds", 601, "between 1 and 600")]
    [InlineData("MinRequests", 0, "between 1 and 1000000")]
    [InlineData("MaxErrorRate", 2, "between 0 and 1")]
    [InlineData("MaxErrorRate", -0.1, "between 0 and 1")]
    [InlineData("MaxErrorRateAboveStable", 1.5, "between 0 and 1")]
    [InlineData("MaxP99Ms", 0, "between 1 and 600000")]
    public void Parse_GuardOutOfRange_Refused(string key, double value, string why)
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Guard"]![key] = value));

        AssertProblem(problems, $"{Shop}.Guard.{key}", why);
    }

    [Fact]
    public void Parse_GuardWindowNotWhole_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Guard"]!["WindowSeconds"] = 1.5));

        AssertProblem(problems, $"{Shop}.Guard.WindowSeconds", "must be a whole number");
    }

    [Theory]
    [InlineData("api/{**rest}")]
    [InlineData("")]
    public void Parse_RoutePathNotStartingWithSlash_Refused(string path)
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Path"] = path));

        AssertProblem(problems, $"{Shop}.Routes.api.Path", "must start with '/'");
    }

    [Fact]
    public void Parse_RouteWithoutVersions_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"] = new JsonObject()));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions", "at least one version");
    }

    [Fact]
    public void Parse_ReleaseWithoutRoutes_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"] = new JsonObject()));

        AssertProblem(problems, $"{Shop}.Routes", "at least one route");
    }

    [Fact]
    public void Parse_NoReleases_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"] = new JsonObject()));

        AssertProblem(problems, "Router.Releases", "at least one release");
    }

    [Fact]
    public void Parse_VersionWithEmptyDestinationList_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v2"] = new JsonArray()));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v2", "at least one destination address");
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("not a url")]
    [InlineData("127.0.0.1:5001")]
    [InlineData("/relative")]
    public void Parse_BadDestinationAddress_Refused(string address)
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v2"] = new JsonArray(address)));

        var problem = Assert.Single(problems, p => p.Path.StartsWith($"{Shop}.Routes.api.Versions.v2", StringComparison.Ordinal));
        Assert.Contains("absolute http:// or https:// address", problem.Message, StringComparison.Ordinal);
        Assert.Equal($"\"{address}\"", problem.Value);
    }

    [Fact]
    public void Parse_DestinationNotAString_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v2"] = new JsonArray("http://127.0.0.1:1", 5002)));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v2[1]", "must be an address string");
    }

    [Fact]
    public void Parse_DuplicateRoutePathsAcrossReleases_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["blog"] = JsonNode.Parse("""
            {
              "Stable": "v1",
              "Routes": { "pages": { "Path": "/API/{**rest}", "Versions": { "v1": ["http://127.0.0.1:6001"] } } }
            }
            """)));

        var problem = AssertProblem(problems, "Router.Releases.blog.Routes.pages.Path", "is already matched by Router.Releases.shop.Routes.api");
        Assert.Equal("\"/API/{**rest}\"", problem.Value);
    }

    [Fact]
    public void Parse_SamePathOnOtherHosts_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Releases"]!["blog"] = JsonNode.Parse("""
            {
              "Stable": "v1",
              "Routes": { "pages": { "Path": "/api/{**rest}", "Hosts": ["blog.example.com"], "Versions": { "v1": ["http://127.0.0.1:6001"] } } }
            }
            """)), "test");

        Assert.Equal(["shop", "blog"], options.Releases.Select(r => r.Name));
    }

    [Fact]
    public void Parse_WeightNotANumber_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Weight"] = "ten"));

        var problem = AssertProblem(problems, $"{Shop}.Weight", "must be a number");
        Assert.Equal("\"ten\"", problem.Value);
    }

    [Fact]
    public void Parse_WrongTypes_EachRefused()
    {
        var problems = Problems(Edit(r =>
        {
            var shop = r["Releases"]!["shop"]!;
            shop["Stable"] = 1;
            shop["Guard"]!["MinRequests"] = "many";
            shop["Guard"]!["Enabled"] = "yes";
            shop["Segments"] = "beta";
            shop["Routes"]!["web"] = "/{**rest}";
            r["PublicUrls"] = JsonNode.Parse("[\"http://127.0.0.1:1\"]");
        }));

        AssertProblem(problems, $"{Shop}.Stable", "must be a string");
        AssertProblem(problems, $"{Shop}.Guard.MinRequests", "must be a whole number");
        AssertProblem(problems, $"{Shop}.Guard.Enabled", "must be true or false");
        AssertProblem(problems, $"{Shop}.Segments", "must be a list");
        AssertProblem(problems, $"{Shop}.Routes.web", "must be an object");
        AssertProblem(problems, "Router.PublicUrls", "must be a string");
    }

    [Fact]
    public void Parse_KeyGivenTwice_Refused()
    {
        var json = Valid.Replace("\"Weight\": 10,", "\"Weight\": 10, \"weight\": 20,", StringComparison.Ordinal);

        AssertProblem(Problems(json), $"{Shop}.weight", "more than once");
    }

    [Theory]
    [InlineData("PublicUrls", "127.0.0.1:8080")]
    [InlineData("AdminUrls", "")]
    [InlineData("AdminUrls", "ftp://127.0.0.1:21")]
    public void Parse_BadListenUrls_Refused(string key, string urls)
    {
        var problems = Problems(Edit(r => r[key] = urls));

        Assert.Contains(problems, p => p.Path == $"Router.{key}");
    }

    [Theory]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080;http://127.0.0.1:8082")]
    [InlineData("http://0.0.0.0:0")]
    public void Parse_KestrelListenUrls_Accepted(string urls) =>
        Assert.Equal(urls, RouterConfigLoader.Parse(Edit(r => r["PublicUrls"] = urls), "test").PublicUrls);

    [Fact]
    public void Parse_NameWithForbiddenCharacters_Refused()
    {
        var problems = Problems(Edit(r =>
        {
            var routes = r["Releases"]!["shop"]!["Routes"]!.AsObject();
            var api = routes["api"]!;
            routes.Remove("api");
            routes["api v2"] = api;
        }));

        AssertProblem(problems, $"{Shop}.Routes.api v2", "route names use letters");
    }

    [Fact]
    public void Parse_ReleaseAndVersionNamesWithForbiddenCharacters_Refused()
    {
        var problems = Problems(Edit(r =>
        {
            var releases = r["Releases"]!.AsObject();
            var shop = releases["shop"]!;
            releases.Remove("shop");
            releases["sh/op"] = shop;
            var versions = shop["Routes"]!["api"]!["Versions"]!.AsObject();
            versions["v 3"] = new JsonArray("http://127.0.0.1:5003");
        }));

        AssertProblem(problems, "Router.Releases.sh/op", "release names use letters");
        AssertProblem(problems, "Router.Releases.sh/op.Routes.api.Versions.v 3", "version names use letters");
    }

    [Fact]
    public void Parse_RedisAndKeyPrefix_Read()
    {
        var options = RouterConfigLoader.Parse(Edit(r =>
        {
            r["Redis"] = "127.0.0.1:6379,password=hunter2";
            r["RedisKeyPrefix"] = "shop-fleet:";
        }), "test");

        Assert.Equal("127.0.0.1:6379,password=hunter2", options.Redis);
        Assert.Equal("shop-fleet:", options.RedisKeyPrefix);
        Assert.Null(RouterConfigLoader.Parse(Edit(_ => { }), "test").Redis);
    }

    [Fact]
    public void Parse_BadRedisString_RefusedWithoutShowingIt()
    {
        var problems = Problems(Edit(r => r["Redis"] = "127.0.0.1:6379,password=hunter2,connectTimeout=soon"));

        AssertProblem(problems, "Router.Redis", "is not a StackExchange.Redis configuration string");
        Assert.DoesNotContain(problems, p => (p.Value ?? "").Contains("hunter2", StringComparison.Ordinal) || p.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("my fleet")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public void Parse_BadRedisKeyPrefix_Refused(string prefix)
    {
        var problems = Problems(Edit(r => r["RedisKeyPrefix"] = prefix));

        AssertProblem(problems, "Router.RedisKeyPrefix", "must be 1 to 64 characters without spaces");
    }

    [Fact]
    public void Parse_EmptyStateFile_Refused()
    {
        var problems = Problems(Edit(r => r["StateFile"] = " "));

        AssertProblem(problems, "Router.StateFile", "must name a file");
    }

    [Theory]
    [InlineData("Name", "canary uid", "must be a cookie token")]
    [InlineData("Name", "uid;", "must be a cookie token")]
    [InlineData("MaxAgeDays", 0, "between 1 and 3650")]
    [InlineData("MaxAgeDays", 3651, "between 1 and 3650")]
    public void Parse_BadAnonymousCookie_Refused(string key, object value, string why)
    {
        var problems = Problems(Edit(r => r["Cookie"] = new JsonObject { [key] = JsonValue.Create(value) }));

        AssertProblem(problems, $"Router.Cookie.{key}", why);
    }

    [Fact]
    public void Parse_AnonymousCookieSettings_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Cookie"] = JsonNode.Parse("""{ "Name": "shop_uid", "MaxAgeDays": 30 }""")), "test");

        Assert.Equal(new AnonymousCookieOptions { Name = "shop_uid", MaxAgeDays = 30 }, options.Cookie);
    }

    [Fact]
    public void Parse_AuthenticationWithoutAuthorityOrKey_Refused()
    {
        var problems = Problems(Edit(r => r["Authentication"] = new JsonObject { ["Audience"] = "shop" }));

        AssertProblem(problems, "Router.Authentication", "needs Authority or SigningKey");
    }

    [Fact]
    public void Parse_ShortSigningKey_RefusedWithoutEchoingIt()
    {
        var problems = Problems(Edit(r => r["Authentication"] = new JsonObject { ["SigningKey"] = "s3cret-but-short" }));

        var problem = AssertProblem(problems, "Router.Authentication.SigningKey", "at least 32 bytes");
        Assert.DoesNotContain(problems, p => p.ToString().Contains("s3cret", StringComparison.Ordinal));
        Assert.Equal("(hidden)", problem.Value);
    }

    [Fact]
    public void Parse_AuthorityNotAUrl_Refused()
    {
        var problems = Problems(Edit(r => r["Authentication"] = new JsonObject { ["Authority"] = "login" }));

        AssertProblem(problems, "Router.Authentication.Authority", "absolute URL");
    }

    [Fact]
    public void Parse_YarpClusterObjectAsVersion_Accepted()
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse("""
            {
              "Destinations": { "a": { "Address": "http://127.0.0.1:5001" }, "b": { "Address": "http://127.0.0.1:5003" } },
              "LoadBalancingPolicy": "RoundRobin",
              "HealthCheck": { "Passive": { "Enabled": true } },
              "HttpRequest": { "ActivityTimeout": "00:00:30" }
            }
            """)), "test");

        var cluster = options.Releases[0].Routes.Single(r => r.Name == "api").Versions["v1"];
        Assert.Equal("shop/api/v1", cluster.ClusterId);
        Assert.Equal("RoundRobin", cluster.LoadBalancingPolicy);
        Assert.Equal(["a", "b"], cluster.Destinations!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("http://127.0.0.1:5003", cluster.Destinations["b"].Address);
        Assert.True(cluster.HealthCheck!.Passive!.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(30), cluster.HttpRequest!.ActivityTimeout);
    }

    [Theory]
    [InlineData("\"2\"", 2, 0)]
    [InlineData("\"2.0\"", 2, 0)]
    [InlineData("\"1.1\"", 1, 1)]
    [InlineData("2", 2, 0)]
    public void Parse_ClusterHttpRequestVersionInYarpsForms_Read(string written, int major, int minor)
    {
        var options = RouterConfigLoader.Parse(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse(
            $$"""{ "Destinations": { "a": { "Address": "http://127.0.0.1:5001" } }, "HttpRequest": { "Version": {{written}}, "VersionPolicy": "RequestVersionExact" } }""")), "test");

        var request = options.Releases[0].Routes.Single(r => r.Name == "api").Versions["v1"].HttpRequest!;
        Assert.Equal(new Version(major, minor), request.Version);
        Assert.Equal(System.Net.Http.HttpVersionPolicy.RequestVersionExact, request.VersionPolicy);
    }

    [Theory]
    [InlineData("\"2.5\"")]
    [InlineData("\"h2\"")]
    [InlineData("true")]
    public void Parse_ClusterHttpRequestVersionNotAnHttpVersion_RefusedWithTheValue(string written)
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse(
            $$"""{ "Destinations": { "a": { "Address": "http://127.0.0.1:5001" } }, "HttpRequest": { "Version": {{written}} } }""")));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v1", "is not an HTTP version");
    }

    [Fact]
    public void Parse_YarpClusterObjectWithUnknownMember_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse(
            """{ "Destinations": { "a": { "Address": "http://127.0.0.1:5001" } }, "LoadBalancingPolicyy": "RoundRobin" }""")));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v1", "not a valid YARP cluster");
    }

    [Fact]
    public void Parse_YarpClusterObjectWithoutDestinations_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse(
            """{ "LoadBalancingPolicy": "RoundRobin" }""")));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v1", "at least one destination address");
    }

    [Fact]
    public void Parse_YarpClusterObjectWithBadAddress_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse(
            """{ "Destinations": { "a": { "Address": "ftp://x" } } }""")));

        var problem = Assert.Single(problems, p => p.Path.StartsWith($"{Shop}.Routes.api.Versions.v1", StringComparison.Ordinal));
        Assert.Contains("absolute http:// or https:// address", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ManyProblems_AllReportedAtOnce()
    {
        var json = Edit(r =>
        {
            var shop = r["Releases"]!["shop"]!;
            shop["Wieght"] = 20;                                          // 1: unknown key
            shop["Weight"] = 150;                                         // 2: out of range
            shop["Segments"]![0]!.AsObject().Remove("Values");            // 3: segment without values
            shop["Guard"]!["MaxErrorRate"] = 2;                           // 4: guard range
            shop["Routes"]!["api"]!["Path"] = "api/{**rest}";             // 5: path without '/'
            shop["Routes"]!["web"]!["Versions"]!["v2"] = new JsonArray("ftp://x"); // 6: bad address
        });

        var error = Assert.Throws<ConfigException>(() => RouterConfigLoader.Parse(json, "router.json"));

        Assert.Equal(6, error.Problems.Count);
        AssertProblem(error.Problems, $"{Shop}.Wieght", "not a known key");
        AssertProblem(error.Problems, $"{Shop}.Weight", "between 0 and 100");
        AssertProblem(error.Problems, $"{Shop}.Segments[0].Values", "non-empty value");
        AssertProblem(error.Problems, $"{Shop}.Guard.MaxErrorRate", "between 0 and 1");
        AssertProblem(error.Problems, $"{Shop}.Routes.api.Path", "must start with '/'");
        Assert.Contains(error.Problems, p => p.Path.StartsWith($"{Shop}.Routes.web.Versions.v2", StringComparison.Ordinal) && p.Message.Contains("http://", StringComparison.Ordinal));

        // The message lists them all too: it is what the operator sees when the router exits.
        Assert.StartsWith("router.json has 6 problem(s):", error.Message, StringComparison.Ordinal);
        foreach (var problem in error.Problems)
        {
            Assert.Contains(problem.ToString(), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_MissingFile_ProblemNamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "canary-missing-" + Guid.NewGuid().ToString("N"), "router.json");

        var error = Assert.Throws<ConfigException>(() => RouterConfigLoader.Load(path));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains("cannot be read", problem.Message, StringComparison.Ordinal);
    }
}
