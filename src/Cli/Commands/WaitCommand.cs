using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Canary.Cli.Commands;

/// <summary>What <c>wait --until</c> waits for.</summary>
internal sealed record WaitTarget(string Kind, int Step)
{
    public const string Promoted = "promoted";
    public const string RolledBack = "rolledback";
    public const string StepKind = "step";

    public static WaitTarget? Parse(string text)
    {
        text = text.Trim().ToLowerInvariant();
        if (text is Promoted or RolledBack)
        {
            return new WaitTarget(text, 0);
        }

        return text.StartsWith(StepKind + ":", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(StepKind.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var step) && step >= 1
                ? new WaitTarget(StepKind, step)
                : null;
    }

    /// <summary>
    /// Reached: promoted; rolled back; or step N (counting from 1, as <c>status</c> shows it) or a later one, or promoted,
    /// which comes after every step.
    /// </summary>
    public bool IsReachedBy(JsonObject release) => Kind switch
    {
        Promoted => release.Str("phase") == "Promoted",
        RolledBack => release.Str("phase") == "RolledBack",
        _ => release.Str("phase") == "Promoted"
            || (release["steps"] is JsonObject steps && steps.Num("current") is { } current && current + 1 >= Step),
    };

    public override string ToString() => Kind == StepKind ? $"step:{Step}" : Kind;
}

/// <summary>
/// <c>canary wait &lt;release&gt; --until promoted|rolledback|step:N --timeout DURATION</c>, for deploy scripts: exit 0 when
/// reached, <see cref="ExitCodes.RolledBack"/> when the release is rolled back first, <see cref="ExitCodes.Timeout"/> on timeout.
/// </summary>
internal static class WaitCommand
{
    public static Command Create(CommonOptions common, CliRuntime runtime)
    {
        var release = Options.Release();
        var until = new Option<WaitTarget>("--until")
        {
            Description = "promoted, rolledback, or step:N (N counts from 1, as status shows it; promoted passes every step)",
            HelpName = "promoted|rolledback|step:N",
            Required = true,
            CustomParser = result =>
            {
                if (WaitTarget.Parse(result.Tokens[0].Value) is { } target)
                {
                    return target;
                }

                result.AddError($"'{result.Tokens[0].Value}' is not promoted, rolledback or step:N (N >= 1)");
                return null;
            },
        };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "Give up after this long (e.g. 15m, 90s, 1h30m)",
            HelpName = "DURATION",
            Required = true,
            CustomParser = result => Options.DurationOf(result, result.Tokens[0].Value),
        };
        var interval = Options.Interval();
        var command = new Command("wait", $"Wait for a release to reach a state; exit {ExitCodes.Ok} reached, {ExitCodes.RolledBack} rolled back, {ExitCodes.Timeout} timed out")
        {
            release, until, timeout, interval,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(runtime, parse, common);
            return await WaitAsync(context, parse.GetValue(release)!, parse.GetValue(until)!, parse.GetValue(timeout), parse.GetValue(interval), cancellationToken);
        });
        return command;
    }

    private static async Task<int> WaitAsync(CliContext context, string name, WaitTarget target, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var path = AdminClient.ReleasePath(name);
        JsonObject? state = null;
        string? shown = null;
        CliException? unreachable = null;
        while (true)
        {
            try
            {
                state = (await context.Admin.GetAsync(path, cancellationToken)).AsObject();
                unreachable = null;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Unreachable)
            {
                // A router restarting during a deploy is not the deploy failing; the timeout still bounds the wait.
                if (unreachable is null)
                {
                    await context.Runtime.Error.WriteLineAsync($"warning: {e.Message}; retrying");
                }

                unreachable = e;
            }

            if (state is not null && unreachable is null)
            {
                if (!context.IsJson && Render.StateLine(state) is var line && line != shown)
                {
                    await context.Runtime.Out.WriteLineAsync(line);
                    shown = line;
                }

                if (target.IsReachedBy(state))
                {
                    return await FinishAsync(context, name, target, "reached", ExitCodes.Ok, state, clock.Elapsed, cancellationToken);
                }

                if (state.Str("phase") == "RolledBack")
                {
                    return await FinishAsync(context, name, target, "rolledback", ExitCodes.RolledBack, state, clock.Elapsed, cancellationToken);
                }
            }

            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                if (state is null && unreachable is not null)
                {
                    throw unreachable;
                }

                return await FinishAsync(context, name, target, "timeout", ExitCodes.Timeout, state, clock.Elapsed, cancellationToken);
            }

            await Task.Delay(left < interval ? left : interval, cancellationToken);
        }
    }

    private static async Task<int> FinishAsync(CliContext context, string name, WaitTarget target, string outcome, int exitCode, JsonObject? state,
        TimeSpan elapsed, CancellationToken cancellationToken)
    {
        // A rollback's event says who did it and why (the guard's reason and figures): what a failed deploy's log needs.
        JsonObject? rollback = null;
        if (outcome == "rolledback")
        {
            var events = (JsonArray)await context.Admin.GetAsync(AdminClient.ReleasePath(name, "events"), cancellationToken);
            rollback = events.Objects().LastOrDefault(e => e["after"].Str("phase") == "RolledBack")?.DeepClone().AsObject();
        }

        if (context.IsJson)
        {
            context.WriteJson(new JsonObject
            {
                ["release"] = name,
                ["until"] = target.ToString(),
                ["outcome"] = outcome,
                ["exitCode"] = exitCode,
                ["elapsedSeconds"] = Math.Round(elapsed.TotalSeconds, 3),
                ["state"] = state?.DeepClone(),
                ["rollback"] = rollback,
            });
            return exitCode;
        }

        var message = outcome switch
        {
            "reached" => $"{name}: reached {target} after {Duration.Show(elapsed)}",
            "rolledback" => $"{name}: rolled back before {target}"
                + (rollback is null ? "" : $" by {Render.Actor(rollback)} [{rollback.Str("code")}]: {rollback.Str("reason")}"),
            _ => $"{name}: {target} not reached within {Duration.Show(elapsed)}" + (state is null ? "" : $"; now {state.Str("phase")}"),
        };
        await (exitCode == ExitCodes.Ok ? context.Runtime.Out : context.Runtime.Error).WriteLineAsync(message);
        return exitCode;
    }
}
