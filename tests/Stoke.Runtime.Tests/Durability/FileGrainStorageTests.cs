using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Stoke.Abstractions.Errors;
using Stoke.Runtime.Storage;
using Stoke.Runtime.Tests.Artifacts;

namespace Stoke.Runtime.Tests.Durability;

/// <summary>What the embedded default's state files do with a corrupt file and a full disk.</summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private const string Derived = "meter";
    private const string Precious = "registry";
    private static readonly GrainId Grain = GrainId.Create("test", "tenant-a");
    private readonly ScratchFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ACorruptDerivedStateIsMovedAsideAndStartsEmpty()
    {
        var storage = Storage();
        var path = await WriteAsync(storage, Derived, ["a", "b"]);
        await File.WriteAllTextAsync(path, "{ \"Version\": 1, \"State\": [tru");

        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync(Derived, Grain, read);

        Assert.Equal((false, 0), (read.RecordExists, read.State!.Count));
        Assert.False(File.Exists(path));
        Assert.True(File.Exists(path + ".corrupt-20261201T200000000Z"));
    }

    [Fact]
    public async Task ACorruptPreciousStateRefusesItsGrainNamingTheQuarantinedFile()
    {
        var storage = Storage();
        var path = await WriteAsync(storage, Precious, ["a"]);
        await File.WriteAllBytesAsync(path, [0xff, 0xfe, 0x00]);

        var error = await Assert.ThrowsAsync<StokeException>(() => storage.ReadStateAsync(Precious, Grain, new GrainState<List<string>>()));

        Assert.Contains(path + ".corrupt-20261201T200000000Z", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(path + ".corrupt-20261201T200000000Z"));
    }

    [Fact]
    public async Task AQuarantinedPreciousStateStaysRefusedUntilAnOperatorRemovesIt()
    {
        var storage = Storage();
        var path = await WriteAsync(storage, Precious, ["a"]);
        await File.WriteAllTextAsync(path, "not json");
        await Assert.ThrowsAsync<StokeException>(() => storage.ReadStateAsync(Precious, Grain, new GrainState<List<string>>()));

        var again = await Assert.ThrowsAsync<StokeException>(() => Storage().ReadStateAsync(Precious, Grain, new GrainState<List<string>>()));
        File.Delete(path + ".corrupt-20261201T200000000Z");
        var afterRemoval = new GrainState<List<string>>();
        await Storage().ReadStateAsync(Precious, Grain, afterRemoval);

        Assert.Contains("quarantined earlier", again.Message, StringComparison.Ordinal);
        Assert.False(afterRemoval.RecordExists);
    }

    [Fact]
    public async Task OtherGrainsOfTheStateAreReadAsBefore()
    {
        var storage = Storage();
        var other = GrainId.Create("test", "tenant-b");
        var path = await WriteAsync(storage, Precious, ["a"]);
        var state = new GrainState<List<string>>(["b"]);
        await storage.WriteStateAsync(Precious, other, state);
        await File.WriteAllTextAsync(path, "not json");
        await Assert.ThrowsAsync<StokeException>(() => storage.ReadStateAsync(Precious, Grain, new GrainState<List<string>>()));

        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync(Precious, other, read);

        Assert.Equal(["b"], read.State);
    }

    [Fact]
    public async Task AWriterThatReadAnOlderVersionOfABigStateIsRefused()
    {
        // The version is read from the file's head: a state far larger than the head still has its version checked.
        var storage = Storage();
        var big = Enumerable.Range(0, 5000).Select(i => "function-" + i).ToList();
        await WriteAsync(storage, Precious, big);
        var stale = new GrainState<List<string>>();
        await storage.ReadStateAsync(Precious, Grain, stale);
        var fresh = new GrainState<List<string>>();
        await storage.ReadStateAsync(Precious, Grain, fresh);
        fresh.State!.Add("fresh");
        await storage.WriteStateAsync(Precious, Grain, fresh);
        stale.State!.Add("stale");

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(Precious, Grain, stale));
        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync(Precious, Grain, read);
        Assert.Equal("fresh", read.State![^1]);
    }

    [Fact]
    public async Task AFullDiskIsA503ThatKeepsTheLastState()
    {
        var path = await WriteAsync(Storage(), Precious, ["kept"]);
        var full = Storage(DiskFullFaultInjector.After(10));
        var state = new GrainState<List<string>>();
        await full.ReadStateAsync(Precious, Grain, state);
        state.State!.Add("lost");

        var error = await Assert.ThrowsAsync<StokeException>(() => full.WriteStateAsync(Precious, Grain, state));
        var read = new GrainState<List<string>>();
        await Storage().ReadStateAsync(Precious, Grain, read);

        Assert.Equal((StokeErrorKind.Overloaded, true), (error.Kind, error.RetryAfter > TimeSpan.Zero));
        Assert.Equal(["kept"], read.State);
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    private FileGrainStorage Storage(Func<Stream, Stream>? faults = null) =>
        new(_folder.Path, _time, restartableStates: new HashSet<string> { Derived }, faults: faults);

    private async Task<string> WriteAsync(FileGrainStorage storage, string stateName, List<string> value)
    {
        await storage.WriteStateAsync(stateName, Grain, new GrainState<List<string>>(value));
        return Directory.GetFiles(Path.Combine(_folder.Path, stateName)).Single();
    }
}
