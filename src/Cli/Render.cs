using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Canary.Cli;

/// <summary>Text views of the admin API's JSON: tables for releases and events, one line per event for streams.</summary>
internal static class Render
{
    /// <summary>Every release, one row each.</summary>
    public static Table Releases(JsonArray releases)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Release", "Stable", "Canary", "Weight", "Phase", "Step", "Guard", "Revision");
        foreach (var release in releases.Objects())
        {
            table.AddRow(
                Escape(release.Str("name")), Escape(release.Str("stable")), Escape(release.Str("canary") ?? "-"),
                Json.Percent(release.Num("weight")), PhaseMarkup(release.Str("phase")), Step(release),
                Escape(release["guard"].Str("verdict") ?? "-"), Escape(Number(release.Num("revision"))));
        }

        if (releases.Count == 0)
        {
            table.AddRow("(no releases)");
        }

        return table;
    }

    /// <summary>One release in full: state, guard figures per version, steps, routes and destinations.</summary>
    public static IRenderable Release(JsonObject release)
    {
        var summary = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => summary.AddRow(new Markup($"[bold]{name}[/]"), new Markup(value));
        Row("Release", Escape(release.Str("name")));
        Row("Stable", Escape(release.Str("stable")));
        Row("Canary", Escape(release.Str("canary") ?? "-"));
        Row("Weight", Json.Percent(release.Num("weight")));
        Row("Phase", PhaseMarkup(release.Str("phase")));
        Row("Revision", Escape(Number(release.Num("revision"))));
        if (release["steps"] is JsonObject steps)
        {
            var advances = steps.Str("advancesAt") is { } at ? $", advances at {Escape(at)}" : "";
            Row("Steps", $"{Step(release)} at {Json.Percent(steps.Num("weight"))}, hold {Number(steps.Num("holdSeconds"))} s{advances}");
        }

        var guard = release["guard"];
        Row("Guard", $"{Escape(guard.Str("verdict") ?? "no verdict yet")}{(guard.Str("explanation") is { } why ? ": " + Escape(why) : "")}");
        Row("Thresholds", Escape($"errors <= {Json.Invariant(guard.Num("maxErrorRate") ?? 0)}, p99 <= {Number(guard.Num("maxP99Ms"))} ms, "
            + $"min {Number(guard.Num("minRequests"))} requests in {Number(guard.Num("windowSeconds"))} s{(guard.Bool("enabled") == false ? " (guard off)" : "")}"));

        var figures = new Table().Border(TableBorder.Rounded).Title("Guard window").AddColumns("Side", "Requests", "5xx", "Transport errors", "Error rate", "p99 ms");
        foreach (var side in new[] { "stable", "canary" })
        {
            if (guard?[side] is JsonObject f)
            {
                figures.AddRow(side, Number(f.Num("requests")), Number(f.Num("serverErrors")), Number(f.Num("transportErrors")),
                    Json.Invariant(Math.Round(f.Num("errorRate") ?? 0, 4)), Json.Invariant(Math.Round(f.Num("p99Ms") ?? 0, 1)));
            }
        }

        var routes = new Table().Border(TableBorder.Rounded).Title("Routes").AddColumns("Route", "Path", "Version", "Destination", "Health", "Draining", "In flight");
        foreach (var route in release.Array("routes").Objects())
        {
            foreach (var (version, destinations) in route["versions"] as JsonObject ?? [])
            {
                foreach (var destination in (destinations as JsonArray ?? []).Objects())
                {
                    routes.AddRow(Escape(route.Str("name")), Escape(route.Str("path")), Escape(version), Escape(destination.Str("address")),
                        Escape($"{destination.Str("activeHealth")}/{destination.Str("passiveHealth")}"),
                        destination.Bool("draining") == true ? "[yellow]yes[/]" : "no", Number(destination.Num("inFlight")));
                }
            }
        }

        var parts = new List<IRenderable> { summary };
        if (figures.Rows.Count > 0)
        {
            parts.Add(figures);
        }

        parts.Add(routes);
        return new Rows(parts);
    }

    /// <summary>The decision log as a table.</summary>
    public static Table Events(JsonArray events)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "Time", "Actor", "Action", "Code", "Change", "Reason");
        foreach (var e in events.Objects())
        {
            table.AddRow(Number(e.Num("sequence")), Escape(Time(e)), Escape(Actor(e)), Escape(e.Str("action")), Escape(e.Str("code")),
                Escape(Change(e)), Escape(e.Str("reason")));
        }

        return table;
    }

    /// <summary>One event on one line, for <c>events --follow</c>.</summary>
    public static string EventLine(JsonObject e)
    {
        var change = Change(e);
        return $"#{Number(e.Num("sequence"))} {Time(e)} {Actor(e)} {e.Str("action")} [{e.Str("code")}] {e.Str("reason")}"
            + (change.Length > 0 ? $" ({change})" : "");
    }

    /// <summary>The few fields a person follows while waiting: phase, weight, step.</summary>
    public static string StateLine(JsonObject release) =>
        $"{release.Str("name")}: {release.Str("phase")}, {release.Str("stable")} stable, {release.Str("canary") ?? "no canary"} at {Json.Percent(release.Num("weight"))}"
        + (release["steps"] is JsonObject ? $", {Step(release)}" : "") + $" (revision {Number(release.Num("revision"))})";

    /// <summary>"step 2/3", counting from 1 as people do; "-" when the release has no steps running.</summary>
    public static string Step(JsonObject release) =>
        release["steps"] is JsonObject steps && steps.Num("current") is { } current && current >= 0
            ? $"step {Number(current + 1)}/{Number(steps.Num("count"))}"
            : "-";

    /// <summary>The actor, with the name of the admin key behind an operator's change: <c>operator (ci)</c>.</summary>
    public static string Actor(JsonObject e) => e.Str("key") is { } key ? $"{e.Str("actor")} ({key})" : e.Str("actor") ?? "";

    private static string Change(JsonObject e)
    {
        if (e["before"] is not JsonObject before || e["after"] is not JsonObject after)
        {
            return "";
        }

        static string Side(JsonObject s) => $"{s.Str("stable")}/{s.Str("canary") ?? "-"} {Json.Percent(s.Num("weight"))} {s.Str("phase")}";
        return $"{Side(before)} -> {Side(after)}";
    }

    private static string Time(JsonObject e) =>
        DateTimeOffset.TryParse(e.Str("time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : e.Str("time") ?? "";

    private static string PhaseMarkup(string? phase) => phase switch
    {
        "RolledBack" => "[red]RolledBack[/]",
        "Promoted" => "[green]Promoted[/]",
        "Paused" => "[yellow]Paused[/]",
        null => "-",
        _ => Escape(phase),
    };

    private static string Number(double? value) => value is null ? "-" : Json.Invariant(value.Value);

    private static string Escape(string? text) => Markup.Escape(text ?? "");
}
