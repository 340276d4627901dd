using System.Text.Json.Serialization;

namespace Canary.Router.State;

/// <summary>Who changes a release: the decision log's <c>actor</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Actor>))]
internal enum Actor
{
    [JsonStringEnumMemberName("operator")]
    Operator,

    [JsonStringEnumMemberName("guard")]
    Guard,

    [JsonStringEnumMemberName("reload")]
    Reload,

    [JsonStringEnumMemberName("steps")]
    Steps,
}

/// <summary>
/// Why a change was made: the actor, the action (<c>weight</c>, <c>rollback</c>, ...), a short machine-readable
/// <paramref name="Code"/> (the rollback reason label), a sentence for people, and the measured figures behind an
/// automatic decision.
/// </summary>
internal sealed record ChangeCause(Actor Actor, string Action, string Code, string Reason, IReadOnlyDictionary<string, double>? Figures = null)
{
    /// <summary>The name of the admin key behind an operator's change (the decision log's <c>key</c>); null for automatic ones.</summary>
    public string? Key { get; init; }

    /// <summary>The code of every operator change, and so the rollback reason label of an operator's rollback.</summary>
    public const string OperatorCode = "operator";

    public static ChangeCause ByOperator(string action, string reason) => new(Actor.Operator, action, OperatorCode, reason);
}

/// <summary>A change the store applied: the state before and after, why, and when.</summary>
internal sealed record ReleaseChange(ReleaseState Before, ReleaseState After, ChangeCause Cause, DateTimeOffset At);
