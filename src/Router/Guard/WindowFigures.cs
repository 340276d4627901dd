namespace Canary.Router.Guard;

/// <summary>What one version did over the guard's window: the figures a verdict is made from and an event reports.</summary>
internal readonly record struct WindowFigures(long Requests, long ServerErrors, long TransportErrors, double P99Ms)
{
    public long Failures => ServerErrors + TransportErrors;

    public double ErrorRate => Requests == 0 ? 0 : (double)Failures / Requests;
}
