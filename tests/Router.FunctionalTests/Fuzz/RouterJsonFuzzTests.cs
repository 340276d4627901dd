using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.FunctionalTests.Admin;
using CsCheck;

namespace Canary.Router.FunctionalTests.Fuzz;

/// <summary>
/// Property-based fuzzing of router.json: documents made by mutating a valid one (values of any type at any key,
/// keys removed, repeated in another case, text cut or garbled). The loader either accepts a document or lists its
/// problems, never anything else; a running router given refused documents keeps its state. Seeded and bounded.
/// </summary>
public sealed class RouterJsonFuzzTests
{
    private static readonly Gen<JsonNode?> AnyValue = Gen.OneOf(
        Gen.Double[-1e6, 1e6].Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.Int[-5, 150].Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.OneOf("", ".", "..", "v1", "v2", "v9", "/canary/x", "/{**rest}", "http://", "http://127.0.0.1:1", "header:", "header:X-User-Id",
            "cookie:a b", "claim:sub", "Hold", "Advance", "router.json", "/").Select(s => (JsonNode?)JsonValue.Create(s)),
        Samples.AnyText.Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Const<JsonNode?>((JsonNode?)null),
        Gen.Const(0).Select(_ => (JsonNode?)new JsonArray()),
        Gen.Const(0).Select(_ => (JsonNode?)new JsonObject()));

    /// <summary>One edit of the document: (which node, by index among all of them; what to do; a value).</summary>
    private static readonly Gen<(int Node, int Kind, JsonNode? Value)> Edit = Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 3], AnyValue);

    private static readonly Gen<(int Node, int Kind, JsonNode? Value)[]> Edits = Edit.Array[1, 4];

    private static readonly Gen<(int Cut, int Garble)> TextDamage = Gen.Select(Gen.Int[0, 100], Gen.Int[0, 100]);

    [Fact]
    public void MutatedDocuments_AcceptedOrEveryProblemListed_NeverAnythingElse()
    {
        var accepted = 0;
        var refused = 0;
        foreach (var (index, (edits, damage)) in Samples.Of(Gen.Select(Edits, TextDamage), seed: 12, 1500))
        {
            var text = Mutate(RouterJsonText(), edits, damage);
            try
            {
                var options = RouterConfigLoader.Parse(text, "fuzz");
                YarpConfigBuilder.Build(options);
                accepted++;
            }
            catch (ConfigException e)
            {
                Assert.NotEmpty(e.Problems);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"sample {index} threw {e}{Environment.NewLine}{text}");
            }
        }

        Assert.True(accepted > 0 && refused > 0, $"accepted {accepted}, refused {refused}");
    }

    [Fact]
    public async Task RefusedDocumentsOnHotReload_StateUnchanged_RouterAlive()
    {
        await using var rig = await AdminRig.StartAsync(10);
        var before = await rig.SnapshotAsync();
        var refusedCount = 0;
        foreach (var (_, (edits, damage)) in Samples.Of(Gen.Select(Edits, TextDamage), seed: 7, 60))
        {
            var text = Mutate(rig.Config.ToJsonString(), edits, damage);
            if (!IsRefused(text) || refusedCount == 6)
            {
                continue;
            }

            refusedCount++;
            await File.WriteAllTextAsync(rig.ConfigPath, text);
            var expected = refusedCount;
            await AdminRig.EventuallyAsync(async () => await rig.MetricAsync("canary_config_reload_failures_total") >= expected, TimeSpan.FromSeconds(10), "the refused reload counted");
            var after = await rig.SnapshotAsync();

            // A refused reload is logged as an event; nothing else moves.
            Assert.Equal(before with { Events = after.Events }, after);
            Assert.Equal("v1", (await rig.GetAsync("/api/x", Cohorts.FirstUserOn("v1", AdminRigFixture.Weight))).Body!.Version);
        }

        Assert.Equal(6, refusedCount);
    }

    private static bool IsRefused(string text)
    {
        try
        {
            RouterConfigLoader.Parse(text, "fuzz");
            return false;
        }
        catch (ConfigException)
        {
            return true;
        }
    }

    private static string RouterJsonText() => """
        { "Router": { "PublicUrls": "http://127.0.0.1:8080", "AdminUrls": "http://127.0.0.1:8081", "StateFile": "router.state.json",
          "Releases": { "shop": { "Stable": "v1", "Canary": "v2", "Weight": 10, "UserKey": ["header:X-User-Id", "cookie:uid"],
            "Segments": [ { "Name": "beta", "Header": "X-Beta", "Values": ["true"], "Version": "v2" } ],
            "Guard": { "WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05, "MaxP99Ms": 1000 },
            "Steps": [ { "Weight": 10, "HoldSeconds": 60 } ], "Outage": { "HoldSeconds": 10 },
            "Routes": {
              "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"], "v2": { "Destinations": { "a": { "Address": "http://127.0.0.1:5002" } }, "HttpClient": { "RequestHeaderEncoding": "utf-8" } } } },
              "web": { "Path": "/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5011"], "v2": ["http://127.0.0.1:5012"] } } } } } } }
        """;

    private static string Mutate(string json, (int Node, int Kind, JsonNode? Value)[] edits, (int Cut, int Garble) damage)
    {
        var root = JsonNode.Parse(json)!;
        foreach (var (node, kind, value) in edits)
        {
            var nodes = All(root).ToList();
            var target = nodes[node % nodes.Count];
            var parent = target.Parent;
            switch (kind)
            {
                case 0 when parent is JsonObject obj:
                    obj[target.GetPropertyName()] = value?.DeepClone();
                    break;
                case 1 when parent is JsonObject obj:
                    obj.Remove(target.GetPropertyName());
                    break;
                case 2 when target is JsonObject obj:
                    obj["X" + obj.Count] = value?.DeepClone();
                    break;
                case 0 or 3 when parent is JsonArray array:
                    array[target.GetElementIndex()] = value?.DeepClone();
                    break;
            }
        }

        var text = root.ToJsonString();

        // Repeat a key in another case, as a hand edit might: "Weight" then "weight".
        if (damage.Garble % 5 == 0)
        {
            text = text.Replace("\"Weight\":", "\"weight\":1,\"Weight\":", StringComparison.Ordinal);
        }

        if (damage.Cut < 8)
        {
            text = text[..(text.Length * damage.Cut / 8)];
        }
        else if (damage.Garble < 10)
        {
            var at = text.Length * damage.Garble / 10;
            text = string.Concat(text.AsSpan(0, at), "\u00ff}{,\"", text.AsSpan(at));
        }

        return text;
    }

    private static IEnumerable<JsonNode> All(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var descendant in All(child))
            {
                yield return descendant;
            }
        }
    }
}
