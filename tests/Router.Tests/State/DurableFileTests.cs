using Canary.Router.State;

namespace Canary.Router.Tests.State;

// The router runs on Linux; the folder fsync and file modes are Linux behaviour.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DurableFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-durable-").FullName;

    [Fact]
    public void Write_Concurrently_EachWholeNoTemporaryFileLeft()
    {
        var path = Path.Combine(_folder, "state.json");

        // A fixed temporary name would have two writers write into one file.
        Parallel.For(0, 20, i => DurableFile.Write(path, stream => stream.Write(new byte[1000 + i].AsSpan())));

        Assert.InRange(new FileInfo(path).Length, 1000, 1019);
        Assert.Equal([path], Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Write_RenameFails_TargetUntouchedTemporaryRemoved()
    {
        var path = Path.Combine(_folder, "state.json");
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(() => DurableFile.Write(path, stream => stream.WriteByte(1)));

        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Write_Mode_OwnerOnlyFromTheStart()
    {
        var path = Path.Combine(_folder, "key");

        DurableFile.Write(path, stream => stream.WriteByte(1), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void SyncFolder_MissingFolder_Throws() =>
        Assert.ThrowsAny<IOException>(() => DurableFile.SyncFolder(Path.Combine(_folder, "missing")));

    public void Dispose() => TempFolder.DeleteQuietly(_folder);
}
