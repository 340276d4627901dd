using Canary.Router.Metrics;

namespace Canary.Router.Experiments;

internal enum GoalType
{
    /// <summary>Matches proxied responses (route, method, path, status class).</summary>
    Request,

    /// <summary>Sent by the frontend: <c>POST /canary/goals/{name}</c> on PublicUrls.</summary>
    Beacon,
}

/// <summary>Which way is good for a goal: more orders, or fewer failed checkouts.</summary>
internal enum GoalDirection
{
    Higher,
    Lower,
}

/// <summary>One goal of a release's experiment, as router.json's <c>Goals</c> lists it.</summary>
internal sealed record GoalOptions
{
    public required string Name { get; init; }

    public GoalType Type { get; init; }

    public GoalDirection Better { get; init; } = GoalDirection.Higher;

    /// <summary>Request goals: the release's route (any route of the release when null).</summary>
    public string? Route { get; init; }

    /// <summary>Request goals: the HTTP method (any when null), compared case-insensitively.</summary>
    public string? Method { get; init; }

    /// <summary>Request goals: an exact path, or a prefix ending in <c>*</c> (<c>/api/orders/*</c>); any when null.</summary>
    public string? Path { get; init; }

    /// <summary>Request goals: the response's status class.</summary>
    public StatusClass Status { get; init; } = StatusClass.Success2xx;

    /// <summary>Beacon goals: each beacon carries a number (<c>{"value": 12.5}</c>), e.g. an order value or a 1-5 score.</summary>
    public bool Value { get; init; }

    /// <summary>Numeric beacons: the accepted range (inclusive); values outside it are refused with 400.</summary>
    public double Min { get; init; } = double.MinValue;

    public double Max { get; init; } = double.MaxValue;

    /// <summary>A guardrail: when the sequential test says the canary is worse on it, the canary is rolled back.</summary>
    public bool Guardrail { get; init; }

    /// <summary>Its position in router.json's Goals list, so problems name the entry as written.</summary>
    public int Index { get; init; }

    /// <summary>Whether router.json wrote Status (the validator refuses it on beacon goals).</summary>
    public bool HasStatus { get; init; }

    /// <summary>Whether router.json wrote Min or Max.</summary>
    public bool HasRange { get; init; }
}
