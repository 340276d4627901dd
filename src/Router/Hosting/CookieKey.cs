using System.Security.Cryptography;
using System.Text;

namespace Canary.Router.Hosting;

/// <summary>
/// The key that signs anonymous-user cookies. Replicas must share it, so it comes from <c>CANARY_COOKIE_KEY</c>
/// when set; a single router otherwise keeps a random key in a file beside its state file, so restarts keep users
/// where they were.
/// </summary>
internal static class CookieKey
{
    public const string EnvironmentVariable = "CANARY_COOKIE_KEY";
    private const int KeyBytes = 32;

    public static byte[] Load(string stateFile)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            var key = Encoding.UTF8.GetBytes(fromEnvironment);
            return key.Length >= KeyBytes
                ? key
                : throw new InvalidOperationException($"{EnvironmentVariable} must be at least {KeyBytes} bytes long");
        }

        var path = stateFile + ".cookie-key";
        if (File.Exists(path) && TryDecode(File.ReadAllText(path).Trim(), out var stored))
        {
            return stored;
        }

        var created = RandomNumberGenerator.GetBytes(KeyBytes);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Owner-only from the moment the file exists.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, options))
        {
            writer.Write(Convert.ToBase64String(created));
        }

        File.Move(temporary, path, overwrite: true);
        return created;
    }

    private static bool TryDecode(string text, out byte[] key)
    {
        key = new byte[KeyBytes];
        return Convert.TryFromBase64String(text, key, out var written) && written == KeyBytes;
    }
}
