using System.CommandLine;
using System.Text.Json.Nodes;

namespace Canary.Cli.Commands;

/// <summary><c>canary events &lt;release&gt; [--follow]</c>: the decision log, and with <c>--follow</c> each new event as it is recorded.</summary>
internal static class EventsCommand
{
    public static Command Create(CommonOptions common, CliRuntime runtime)
    {
        var release = Options.Release();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep polling and print each new event until Ctrl-C; in json mode one event per line" };
        var interval = Options.Interval();
        var command = new Command("events", "The decision log: who changed what, when, why, with the figures behind automatic decisions") { release, follow, interval };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(runtime, parse, common);
            var path = AdminClient.ReleasePath(parse.GetValue(release)!, "events");
            var events = (JsonArray)await context.Admin.GetAsync(path, cancellationToken);
            if (!parse.GetValue(follow))
            {
                if (context.IsJson)
                {
                    context.WriteJson(events);
                }
                else
                {
                    runtime.Console.Write(Render.Events(events));
                }

                return ExitCodes.Ok;
            }

            return await FollowAsync(context, path, events, parse.GetValue(interval), cancellationToken);
        });
        return command;
    }

    private static async Task<int> FollowAsync(CliContext context, string path, JsonArray events, TimeSpan interval, CancellationToken cancellationToken)
    {
        var seen = 0d;
        try
        {
            while (true)
            {
                foreach (var e in events.Objects().Where(e => e.Num("sequence") > seen))
                {
                    seen = e.Num("sequence") ?? seen;
                    if (context.IsJson)
                    {
                        context.WriteJsonLine(e);
                    }
                    else
                    {
                        await context.Runtime.Out.WriteLineAsync(Render.EventLine(e));
                        await context.Runtime.Out.FlushAsync(cancellationToken);
                    }
                }

                await Task.Delay(interval, cancellationToken);
                try
                {
                    events = (JsonArray)await context.Admin.GetAsync(path, cancellationToken);
                }
                catch (CliException e) when (e.ExitCode == ExitCodes.Unreachable)
                {
                    await context.Runtime.Error.WriteLineAsync($"warning: {e.Message}; retrying");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl-C is how following ends.
        }
    }
}
