namespace Canary.Router.Metrics;

/// <summary>The <c>code</c> label: the response's status class, or <see cref="Error"/> when the backend gave no response.</summary>
internal enum StatusClass
{
    Success2xx,
    Redirect3xx,
    ClientError4xx,
    ServerError5xx,
    Error,
}
