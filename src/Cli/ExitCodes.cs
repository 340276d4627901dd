namespace Canary.Cli;

/// <summary>
/// Every exit code of <c>canary</c>, one meaning each, so a deploy script can branch on them. Documented in the README.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done; for <c>wait</c>, the awaited state was reached; for <c>validate</c>, the file is valid.</summary>
    public const int Ok = 0;

    /// <summary>Something unexpected (a bug, an unreadable answer).</summary>
    public const int Failure = 1;

    /// <summary>Bad command line: unknown command or option, missing or malformed argument.</summary>
    public const int Usage = 2;

    /// <summary>The router refused the request (problem details: 400, 404, 409, 412, ...).</summary>
    public const int Refused = 3;

    /// <summary>The router refused the key: 401 (missing or wrong key) or 403 (writes disabled, or the key's role).</summary>
    public const int Unauthorized = 4;

    /// <summary>The router could not be reached (connection refused, timed out, not an admin API).</summary>
    public const int Unreachable = 5;

    /// <summary><c>validate</c> and <c>diff</c>: router.json has problems (each is listed).</summary>
    public const int InvalidConfig = 6;

    /// <summary><c>diff --exit-code</c>: applying the file would change the running state.</summary>
    public const int Differences = 7;

    /// <summary><c>wait</c>: the release was rolled back (by the guard or an operator) before the awaited state.</summary>
    public const int RolledBack = 8;

    /// <summary><c>wait</c>: the timeout passed first.</summary>
    public const int Timeout = 9;

    /// <summary>Interrupted by Ctrl-C (<c>wait</c>; <c>--watch</c> and <c>--follow</c> end with 0 instead, being meant to run until then).</summary>
    public const int Interrupted = 130;
}
