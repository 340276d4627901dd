using System.Security.Cryptography;
using System.Text;

namespace Canary.Router.Configuration;

/// <summary>router.json from disk to validated <see cref="RouterOptions"/>, or a <see cref="ConfigException"/> listing every problem.</summary>
internal static class RouterConfigLoader
{
    public static RouterOptions Load(string path) => Load(path, out _);

    /// <param name="digest">The SHA-256 of the bytes read, so a reload can tell whether the file changed since.</param>
    public static RouterOptions Load(string path, out byte[] digest)
    {
        var json = Read(path);
        digest = SHA256.HashData(json);
        return Parse(Encoding.UTF8.GetString(json), path);
    }

    public static byte[] Read(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, [new ConfigProblem(path, null, "cannot be read: " + e.Message)]);
        }
    }

    public static RouterOptions Parse(string json, string source)
    {
        var problems = new List<ConfigProblem>();
        var options = RouterConfigReader.Read(json, problems);
        if (options is not null)
        {
            RouterConfigValidator.Validate(options, problems);
            YarpRules.Check(options, problems);
        }

        return problems.Count == 0 ? options! : throw new ConfigException(source, problems);
    }
}
