using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Canary.Cli;

/// <summary>
/// The router's admin API over HTTP. Failures become <see cref="CliException"/>s with the exit code they mean; the key
/// goes only into the Authorization header, never into a message.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http;

    public AdminClient(Uri baseAddress, string? key)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = baseAddress,
            Timeout = RequestTimeout,
        };
        if (!string.IsNullOrEmpty(key))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        _http.DefaultRequestHeaders.UserAgent.ParseAdd("canary-cli/" + typeof(AdminClient).Assembly.GetName().Version?.ToString(3));
    }

    public Uri BaseAddress { get; }

    public static string ReleasePath(string release, string? action = null) =>
        "/admin/releases/" + Uri.EscapeDataString(release) + (action is null ? "" : "/" + action);

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, path, null, null, cancellationToken)).Body;

    /// <summary>Sends a request and returns the parsed JSON answer and its ETag.</summary>
    public async Task<(JsonNode Body, string? ETag)> SendAsync(HttpMethod method, string path, JsonObject? body, string? ifMatch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        else if (method != HttpMethod.Get)
        {
            // The router wants JSON on every write (415 otherwise), bodiless actions included.
            request.Content = new StringContent("", Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch.StartsWith('"') || ifMatch == "*" ? ifMatch : $"\"{ifMatch}\"");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach the router's admin API at {BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"the router's admin API at {BaseAddress} did not answer within {RequestTimeout.TotalSeconds} s");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var problem = Problem.Of((int)response.StatusCode, response.ReasonPhrase, text);
                var code = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ExitCodes.Unauthorized : ExitCodes.Refused;
                throw new CliException(code, $"{method} {path}: {(int)response.StatusCode} {problem.Title}", problem);
            }

            try
            {
                var json = JsonNode.Parse(text) ?? throw new System.Text.Json.JsonException("null");
                return (json, response.Headers.ETag?.Tag);
            }
            catch (System.Text.Json.JsonException)
            {
                throw new CliException(ExitCodes.Unreachable, $"{BaseAddress} answered {method} {path} with something that is not the admin API's JSON");
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
