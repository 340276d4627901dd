using System.Security.Cryptography;
using System.Text;
using Canary.Router.State;

namespace Canary.Router.Hosting;

/// <summary>
/// The key that signs anonymous-user cookies. Replicas must share it, so it comes from <c>CANARY_COOKIE_KEY</c>
/// when set; a single router otherwise keeps a random key in a file beside its state file, so restarts keep users
/// where they were. A key file that cannot be read is never silently replaced: it is kept aside as
/// <c>.corrupt-&lt;time&gt;</c> and the router starts with a new key and says so (a warning and a decision-log event),
/// since anonymous users are then bucketed afresh. Replicas without <c>CANARY_COOKIE_KEY</c> share the key the first of
/// them stored in Redis.
/// </summary>
internal static class CookieKey
{
    public const string EnvironmentVariable = "CANARY_COOKIE_KEY";
    private const int KeyBytes = 32;

    /// <param name="warning">Set when the key file was unreadable and had to be replaced.</param>
    /// <param name="shared">Replica mode: offers this router's key (base64) to the fleet and returns the fleet's, which
    /// the first replica to offer set; null while it cannot be read (the local key serves meanwhile).</param>
    public static byte[] Load(string stateFile, TimeProvider time, out string? warning, Func<string, string?>? shared = null)
    {
        var local = Load(stateFile, time, out warning);
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } || shared?.Invoke(Convert.ToBase64String(local)) is not { } fleet
            || !TryDecode(fleet, out var key) || key.AsSpan().SequenceEqual(local))
        {
            return local;
        }

        // Kept locally too: a replica restarted while Redis is down still signs as the fleet does.
        Store(stateFile + ".cookie-key", key);
        return key;
    }

    private static byte[] Load(string stateFile, TimeProvider time, out string? warning)
    {
        warning = null;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            var key = Encoding.UTF8.GetBytes(fromEnvironment);
            return key.Length >= KeyBytes
                ? key
                : throw new InvalidOperationException($"{EnvironmentVariable} must be at least {KeyBytes} bytes long");
        }

        var path = stateFile + ".cookie-key";
        if (File.Exists(path))
        {
            if (TryDecode(File.ReadAllText(path).Trim(), out var stored))
            {
                return stored;
            }

            var aside = $"{path}.corrupt-{time.GetUtcNow():yyyyMMddTHHmmssfff}";
            File.Move(path, aside);
            warning = $"Cookie key file {path} is not a {KeyBytes}-byte base64 key; it was kept as {aside} and a new key was created: anonymous users get new buckets (set {EnvironmentVariable} to choose the key).";
        }

        var created = RandomNumberGenerator.GetBytes(KeyBytes);
        Store(path, created);
        return created;
    }

    private static void Store(string path, byte[] key)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);

        // Owner-only from the moment the file exists.
        DurableFile.Write(path, stream => stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key))), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static bool TryDecode(string text, out byte[] key)
    {
        key = new byte[KeyBytes];
        return Convert.TryFromBase64String(text, key, out var written) && written == KeyBytes;
    }
}
