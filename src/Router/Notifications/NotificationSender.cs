using System.Threading.Channels;
using Canary.Router.Hosting;
using Canary.Router.State;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Canary.Router.Notifications;

/// <summary>
/// Tells <c>Router.Notify</c>'s webhooks about decisions, off the decision path: the decision log's observer only
/// offers each entry to the bounded queue of every target that wants it (full: dropped and counted, never waited
/// for), and one loop per target sends them in order, each retried with exponential backoff by the HTTP client's
/// resilience handler. Outcomes are counted in <c>canary_notifications_total{target,result}</c>; logs name the target,
/// never its URL (which may carry a token).
/// </summary>
internal sealed partial class NotificationSender : BackgroundService
{
    public const string ClientName = "canary-notify";

    private readonly RouterCore _core;
    private readonly IHttpClientFactory _clients;
    private readonly ILogger<NotificationSender> _logger;
    private readonly (NotifyTarget Target, Channel<DecisionEvent> Queue)[] _targets;

    public NotificationSender(RouterCore core, IHttpClientFactory clients, ILogger<NotificationSender> logger)
    {
        _core = core;
        _clients = clients;
        _logger = logger;
        var notify = core.Options.Notify ?? new NotifyOptions();
        _targets = [.. notify.Targets.Select(t => (t, Channel.CreateBounded<DecisionEvent>(new BoundedChannelOptions(notify.QueueLength)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once: the entry is dropped, not waited for
        })))];
        core.Events.Appended += Offer;
    }

    /// <summary>Registers the sender and its HTTP client (no request logging: it would print the URL).</summary>
    public static void AddTo(IServiceCollection services, NotifyOptions notify)
    {
        services.AddHttpClient(ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .AddResilienceHandler("notify", pipeline =>
            {
                if (notify.Retries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = notify.Retries,
                        Delay = TimeSpan.FromMilliseconds(notify.RetryDelayMs),
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                    });
                }

                pipeline.AddTimeout(AttemptTimeout);
            });
        services.AddHostedService<NotificationSender>();
    }

    /// <summary>How long one attempt may take before it counts as failed (and is retried).</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public override void Dispose()
    {
        _core.Events.Appended -= Offer;
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_targets.Select(t => SendAllAsync(t.Target, t.Queue.Reader, stoppingToken)));

    private void Offer(DecisionEvent entry)
    {
        foreach (var (target, queue) in _targets)
        {
            if (target.Decisions.Any(d => NotifyDecisions.Matches(d, entry)) && !queue.Writer.TryWrite(entry))
            {
                _core.Metrics.Notifications.WithLabels(target.Name, "dropped").Inc();
            }
        }
    }

    private async Task SendAllAsync(NotifyTarget target, ChannelReader<DecisionEvent> queue, CancellationToken stoppingToken)
    {
        var client = _clients.CreateClient(ClientName);
        try
        {
            await foreach (var entry in queue.ReadAllAsync(stoppingToken))
            {
                var delivered = await SendAsync(client, target, entry, stoppingToken);
                _core.Metrics.Notifications.WithLabels(target.Name, delivered ? "delivered" : "failed").Inc();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is not sent.
        }
    }

    private async Task<bool> SendAsync(HttpClient client, NotifyTarget target, DecisionEvent entry, CancellationToken stoppingToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = NotificationBody.For(target.Format, entry) };
            using var response = await client.SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            LogFailed(_logger, target.Name, entry.Sequence, $"HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            // The exception's message may quote the URL: only its kind is logged.
            LogFailed(_logger, target.Name, entry.Sequence, $"no answer ({e.HttpRequestError})");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            LogFailed(_logger, target.Name, entry.Sequence, $"no answer within {AttemptTimeout.TotalSeconds} s");
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification target '{Target}' did not take decision {Sequence} after every retry: {Outcome}")]
    private static partial void LogFailed(ILogger logger, string target, long sequence, string outcome);
}
