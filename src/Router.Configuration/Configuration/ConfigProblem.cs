namespace Canary.Router.Configuration;

/// <summary>One thing wrong with router.json: where (a JSON path), what was there, and why it is refused.</summary>
internal sealed record ConfigProblem(string Path, string? Value, string Message)
{
    public override string ToString() => Value is null ? $"{Path}: {Message}" : $"{Path} = {Value}: {Message}";
}

/// <summary>Raised when router.json cannot be used; carries every problem found, not just the first.</summary>
internal sealed class ConfigException(string source, IReadOnlyList<ConfigProblem> problems)
    : Exception($"{source} has {problems.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
