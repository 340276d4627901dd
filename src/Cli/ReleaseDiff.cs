using System.Text.Json.Nodes;
using Canary.Router.Configuration;

namespace Canary.Cli;

/// <summary>One difference between router.json and the running state. <see cref="Field"/> is null for a whole release added or removed.</summary>
internal sealed record DiffChange(string Release, string Change, string? Field, JsonNode? Running, JsonNode? File)
{
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Changed = "changed";

    public JsonObject ToJson() => new()
    {
        ["release"] = Release,
        ["change"] = Change,
        ["field"] = Field,
        ["running"] = Running?.DeepClone(),
        ["file"] = File?.DeepClone(),
    };
}

/// <summary>
/// What applying a router.json would change, computed against the running releases (<c>GET /admin/releases</c>):
/// releases added and removed, and per release the versions, weight, steps, user keys, segments, guard thresholds and
/// routes that differ. Both sides are brought to the admin API's JSON shape and compared as JSON; a pure function.
/// </summary>
internal static class ReleaseDiff
{
    public static List<DiffChange> Compute(RouterOptions file, JsonArray running)
    {
        var changes = new List<DiffChange>();
        var live = running.Objects().Where(r => r.Str("name") is not null).ToDictionary(r => r.Str("name")!, StringComparer.Ordinal);
        foreach (var release in file.Releases)
        {
            var desired = Shape(release);
            if (!live.TryGetValue(release.Name, out var current))
            {
                changes.Add(new DiffChange(release.Name, DiffChange.Added, null, null, desired));
                continue;
            }

            var now = Shape(current);
            foreach (var (field, value) in desired)
            {
                if (field == "routes")
                {
                    Routes(release.Name, now["routes"]!.AsObject(), value!.AsObject(), changes);
                }
                else if (!JsonNode.DeepEquals(now[field], value))
                {
                    changes.Add(new DiffChange(release.Name, DiffChange.Changed, field, now[field], value));
                }
            }
        }

        foreach (var (name, current) in live.Where(l => file.Release(l.Key) is null).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            changes.Add(new DiffChange(name, DiffChange.Removed, null, Shape(current), null));
        }

        return changes;
    }

    private static void Routes(string release, JsonObject now, JsonObject desired, List<DiffChange> changes)
    {
        foreach (var (route, value) in desired)
        {
            if (!now.TryGetPropertyValue(route, out var current))
            {
                changes.Add(new DiffChange(release, DiffChange.Changed, $"routes.{route}", null, value));
                continue;
            }

            foreach (var (field, part) in value!.AsObject())
            {
                if (!JsonNode.DeepEquals(current![field], part))
                {
                    changes.Add(new DiffChange(release, DiffChange.Changed, $"routes.{route}.{field}", current[field], part));
                }
            }
        }

        foreach (var (route, current) in now.Where(r => !desired.ContainsKey(r.Key)))
        {
            changes.Add(new DiffChange(release, DiffChange.Changed, $"routes.{route}", current, null));
        }
    }

    /// <summary>A release of router.json in the compared shape.</summary>
    private static JsonObject Shape(ReleaseOptions release) => new()
    {
        ["stable"] = release.Stable,
        ["canary"] = release.Canary,
        ["weight"] = release.Weight,
        ["steps"] = new JsonArray([.. release.Steps.Select(s => (JsonNode)Step(s.Weight, s.HoldSeconds))]),
        ["userKey"] = Strings(release.UserKey.Select(k => k.ToString())),
        ["segments"] = new JsonArray([.. release.Segments.Select(s => (JsonNode)Segment(s.Name, s.Source.ToString(), s.Values, s.Version))]),
        ["guard"] = Guard(release.Guard.Enabled, release.Guard.WindowSeconds, release.Guard.MinRequests, release.Guard.MaxErrorRate,
            release.Guard.MaxErrorRateAboveStable, release.Guard.MaxP99Ms),
        ["routes"] = new JsonObject(release.Routes.Select(r => KeyValuePair.Create(r.Name, (JsonNode?)Route(r.Path,
            r.Versions.Select(v => (v.Key, v.Value.Destinations?.Values.Select(d => d.Address) ?? [])))))),
    };

    /// <summary>A running release (the admin API's view) in the compared shape.</summary>
    private static JsonObject Shape(JsonObject release)
    {
        var guard = release["guard"];
        return new JsonObject
        {
            ["stable"] = release.Str("stable"),
            ["canary"] = release.Str("canary"),
            ["weight"] = release.Num("weight"),
            ["steps"] = new JsonArray([.. release["steps"].Array("all").Objects().Select(s => (JsonNode)Step(s.Num("weight") ?? 0, (int)(s.Num("holdSeconds") ?? 0)))]),
            ["userKey"] = Strings(release.Array("userKey").Select(k => k?.ToString() ?? "")),
            ["segments"] = new JsonArray([.. release.Array("segments").Objects().Select(s => (JsonNode)Segment(s.Str("name") ?? "", s.Str("source") ?? "",
                [.. s.Array("values").Select(v => v?.ToString() ?? "")], s.Str("version") ?? ""))]),
            ["guard"] = Guard(guard.Bool("enabled") ?? true, (int)(guard.Num("windowSeconds") ?? 0), (int)(guard.Num("minRequests") ?? 0),
                guard.Num("maxErrorRate") ?? 0, guard.Num("maxErrorRateAboveStable") ?? 0, guard.Num("maxP99Ms") ?? 0),
            ["routes"] = new JsonObject(release.Array("routes").Objects().Select(r => KeyValuePair.Create(r.Str("name") ?? "", (JsonNode?)Route(r.Str("path") ?? "",
                (r["versions"] as JsonObject ?? []).Select(v => (v.Key, (v.Value as JsonArray ?? []).Objects().Select(d => d.Str("address") ?? ""))))))),
        };
    }

    private static JsonObject Step(double weight, int holdSeconds) => new() { ["weight"] = weight, ["holdSeconds"] = holdSeconds };

    private static JsonObject Segment(string name, string source, IReadOnlyList<string> values, string version) =>
        new() { ["name"] = name, ["source"] = source, ["values"] = Strings(values), ["version"] = version };

    private static JsonObject Guard(bool enabled, int windowSeconds, int minRequests, double maxErrorRate, double maxErrorRateAboveStable, double maxP99Ms) => new()
    {
        ["enabled"] = enabled,
        ["windowSeconds"] = windowSeconds,
        ["minRequests"] = minRequests,
        ["maxErrorRate"] = maxErrorRate,
        ["maxErrorRateAboveStable"] = maxErrorRateAboveStable,
        ["maxP99Ms"] = maxP99Ms,
    };

    /// <summary>A route: its path and, per version, its destination addresses in order (order carries no meaning to YARP's balancer here, so sorted).</summary>
    private static JsonObject Route(string path, IEnumerable<(string Version, IEnumerable<string> Addresses)> versions) => new()
    {
        ["path"] = path,
        ["versions"] = new JsonObject(versions.OrderBy(v => v.Version, StringComparer.Ordinal).Select(v => KeyValuePair.Create(v.Version,
            (JsonNode?)Strings(v.Addresses.Select(a => a.TrimEnd('/')).Order(StringComparer.OrdinalIgnoreCase))))),
    };

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];
}
