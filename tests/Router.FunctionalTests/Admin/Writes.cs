using System.Net;
using System.Text;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>Every write endpoint of the admin API, with a body that would be accepted.</summary>
internal static class Writes
{
    public static readonly string[] Actions = ["weight", "promote", "rollback", "pause", "resume", "switch", "drain", "undrain"];

    public static HttpMethod Method(string action) => action == "weight" ? HttpMethod.Put : HttpMethod.Post;

    /// <summary>A well-formed body for the action, or null for the bodiless ones.</summary>
    public static HttpContent? ValidBody(AdminRig rig, string action) => action switch
    {
        "weight" => AdminRig.Json("{\"weight\": 50}"),
        "drain" or "undrain" => AdminRig.Json($"{{\"route\": \"api\", \"destination\": \"{rig.Destination("api", "v1")}\"}}"),
        _ => null,
    };

    /// <summary>Sends the action with a raw Authorization header (null: none).</summary>
    public static async Task<HttpResponseMessage> SendAsync(AdminRig rig, string action, string? authorization, string release = AdminRig.Release)
    {
        using var request = new HttpRequestMessage(Method(action), new Uri(rig.AdminAddress, $"/admin/releases/{release}/{action}"))
        {
            Content = ValidBody(rig, action),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await rig.Client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> GetAsync(AdminRig rig, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(rig.AdminAddress, path));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await rig.Client.SendAsync(request);
    }
}

/// <summary>A body sent without Content-Length (Transfer-Encoding: chunked).</summary>
internal sealed class ChunkedContent(string text, string mediaType) : HttpContent
{
    private readonly byte[] _bytes = Encoding.UTF8.GetBytes(text);

    public ChunkedContent Typed()
    {
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return this;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
