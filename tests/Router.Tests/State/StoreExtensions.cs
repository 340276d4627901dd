using Canary.Router.State;

namespace Canary.Router.Tests.State;

/// <summary>Applies a transition as an operator would, for tests that are not about the cause.</summary>
internal static class StoreExtensions
{
    public static readonly ChangeCause TestCause = new(Actor.Operator, "test", "operator", "a test changed it");

    public static (ReleaseChange? Change, Refusal? Refusal)? Apply(this ReleaseStore store, string name, Func<ReleaseState, Transition> transition) =>
        store.Apply(name, transition, TestCause);
}
