namespace Canary.Router.State;

/// <summary>Where a release stands. Serialized by name in the admin API and the state file.</summary>
internal enum ReleasePhase
{
    /// <summary>Only the stable version is configured.</summary>
    Stable,

    /// <summary>A canary takes its share of users.</summary>
    Progressing,

    /// <summary>An operator holds the release where it is.</summary>
    Paused,

    /// <summary>The canary became the stable version.</summary>
    Promoted,

    /// <summary>Blue-green: every user was moved to the other version at once; the previous one stays warm as the canary.</summary>
    Switched,

    /// <summary>Users were moved back to stable, by an operator or the guard; stays until an operator acts.</summary>
    RolledBack,
}
