using System.Globalization;
using System.Text.Json;
using Canary.Router.Admin;
using Canary.Router.Hosting;
using Canary.Router.State;

namespace Canary.Router.Notices;

/// <summary>
/// Notices to end users (e.g. "maintenance tonight 22:00 UTC"): an operator schedules one per release through the
/// admin API; it is part of the release's state (a transition through the store: persisted, revisioned, in the
/// decision log), and the public listener serves the active ones at <c>GET /canary/notice</c>.
/// </summary>
internal static class NoticeEndpoints
{
    public const int MaxMessageChars = 500;

    public const string PublicPath = "/canary/notice";

    public static RouteGroupBuilder MapNoticeEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPut("/{name}/notice", async (string name, HttpRequest request, RouterCore core, ReleaseViews views) =>
            {
                if (core.Store.Get(name) is null)
                {
                    return AdminProblems.UnknownRelease(name);
                }

                var (body, problem) = await JsonBody.ReadAsync(request, "message", "from", "until");
                if (problem is not null)
                {
                    return problem;
                }

                var now = core.Time.GetUtcNow();
                var (notice, errors) = Read(body, now);
                if (notice is null)
                {
                    return AdminProblems.Invalid(errors);
                }

                var window = $"{notice.From.ToString("u", CultureInfo.InvariantCulture)} to {notice.Until.ToString("u", CultureInfo.InvariantCulture)}";
                return ReleaseEndpoints.Change(core, views, request, name, s => ReleaseTransitions.SetNotice(s, notice),
                    ChangeCause.ByOperator("notice", $"operator scheduled a notice to users from {window}: {notice.Message}"));
            })
            .WithName("SetNotice").WithSummary("Schedules the release's notice to its users (replacing any): {\"message\", \"from\" (default now), \"until\"}, ISO 8601 times. Honours If-Match.")
            .Accepts<NoticeRequest>("application/json")
            .Produces<ReleaseView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        admin.MapDelete("/{name}/notice", async (string name, HttpRequest request, RouterCore core, ReleaseViews views) =>
                core.Store.Get(name) is null
                    ? AdminProblems.UnknownRelease(name)
                    : await JsonBody.RefuseAnyAsync(request) ?? ReleaseEndpoints.Change(core, views, request, name, ReleaseTransitions.ClearNotice,
                        ChangeCause.ByOperator("notice-clear", "operator removed the notice to users")))
            .WithName("ClearNotice").WithSummary("Removes the release's notice (409 when it has none). Honours If-Match.")
            .Produces<ReleaseView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return admin;
    }

    /// <summary>
    /// <c>GET /canary/notice</c> on PublicUrls: the active notices of the releases that serve the request's host (a
    /// route without <c>Hosts</c> serves every host), narrowed by <c>?release=</c>; never cached, since a notice starts
    /// and ends on the clock.
    /// </summary>
    public static IEndpointRouteBuilder MapPublicNotices(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PublicPath, (HttpContext context, RouterCore core) =>
        {
            var snapshot = core.Store.Current;
            var now = core.Time.GetUtcNow();
            var host = context.Request.Host.Host;
            var wanted = context.Request.Query["release"].ToString();
            var notices = snapshot.Options.Releases
                .Where(r => (wanted.Length == 0 || r.Name == wanted)
                    && r.Routes.Any(route => route.Hosts.Count == 0 || route.Hosts.Any(h => HostMatches(h, host))))
                .Select(r => snapshot.Get(r.Name))
                .Where(s => s?.Notice is { } n && n.IsActive(now))
                .Select(s => new PublicNotice(s!.Name, s.Notice!.Message, s.Notice.From, s.Notice.Until))
                .ToList();
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = Routing.ForwardedHeaders.NoSniff;
            return TypedResults.Json(new { notices }, DecisionLog.JsonOptions);
        });
        return endpoints;
    }

    // YARP's host forms: an exact name or a leading "*." wildcard, either with an optional port.
    private static bool HostMatches(string pattern, string host)
    {
        var name = pattern.Split(':')[0];
        return name.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(name[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(name, host, StringComparison.OrdinalIgnoreCase);
    }

    private static (ReleaseNotice? Notice, Dictionary<string, string[]> Errors) Read(JsonElement body, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        string? message = null;
        if (!JsonBody.TryGet(body, "message", out var text))
        {
            errors["message"] = ["is required"];
        }
        else if (text.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(text.GetString()))
        {
            errors["message"] = ["must be a non-empty string"];
        }
        else if (text.GetString()!.Trim().Length > MaxMessageChars)
        {
            errors["message"] = [$"must be at most {MaxMessageChars} characters"];
        }
        else
        {
            message = text.GetString()!.Trim();
        }

        var from = Time(body, "from", errors) ?? now;
        var until = Time(body, "until", errors);
        if (until is null && !errors.ContainsKey("until"))
        {
            errors["until"] = ["is required"];
        }
        else if (until is { } end && (end <= from || end <= now))
        {
            errors["until"] = ["must be later than from and than now"];
        }

        return errors.Count == 0 ? (new ReleaseNotice(message!, from, until!.Value), errors) : (null, errors);
    }

    private static DateTimeOffset? Time(JsonElement body, string field, Dictionary<string, string[]> errors)
    {
        if (!JsonBody.TryGet(body, field, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUniversalTime();
        }

        errors[field] = ["must be an ISO 8601 date and time (e.g. 2026-12-02T22:00:00Z)"];
        return null;
    }
}

/// <summary>The body of PUT .../notice.</summary>
internal sealed record NoticeRequest(string Message, DateTimeOffset? From, DateTimeOffset Until);

/// <summary>One notice as end users' pages get it.</summary>
internal sealed record PublicNotice(string Release, string Message, DateTimeOffset From, DateTimeOffset Until);
