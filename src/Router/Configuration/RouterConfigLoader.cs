namespace Canary.Router.Configuration;

/// <summary>router.json from disk to validated <see cref="RouterOptions"/>, or a <see cref="ConfigException"/> listing every problem.</summary>
internal static class RouterConfigLoader
{
    public static RouterOptions Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, [new ConfigProblem(path, null, "cannot be read: " + e.Message)]);
        }

        return Parse(json, path);
    }

    public static RouterOptions Parse(string json, string source)
    {
        var problems = new List<ConfigProblem>();
        var options = RouterConfigReader.Read(json, problems);
        if (options is not null)
        {
            RouterConfigValidator.Validate(options, problems);
        }

        return problems.Count == 0 ? options! : throw new ConfigException(source, problems);
    }
}
