using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Storage;

namespace Stoke.Integration.Tests.Clustering;

/// <summary>
/// The <c>stoke</c> grain storage of a node on <c>--postgres</c> (Orleans' ADO.NET provider over Stoke's schema): the
/// version ETag, a stale writer, clearing.
/// </summary>
public sealed class PostgresGrainStorageTests(PostgresGrainStorageTests.Node node) : IClassFixture<PostgresGrainStorageTests.Node>
{
    private const string TypeName = "test-state";
    private readonly IGrainStorage _storage = node.Storage;

    [Fact]
    public async Task ReadReturnsWhatWasWrittenWithItsETag()
    {
        var id = NewId();
        var written = new GrainState<ClusterMarker>(Marker("one"));
        await _storage.WriteStateAsync(TypeName, id, written);

        var read = new GrainState<ClusterMarker>();
        await _storage.ReadStateAsync(TypeName, id, read);

        Assert.Equal(("one", written.ETag, true), (read.State!.ClusterId, read.ETag, read.RecordExists));
    }

    [Fact]
    public async Task StaleWriteIsRejected()
    {
        var id = NewId();
        var first = new GrainState<ClusterMarker>(Marker("one"));
        await _storage.WriteStateAsync(TypeName, id, first);
        var stale = new GrainState<ClusterMarker>(Marker("stale")) { ETag = first.ETag, RecordExists = true };
        first.State = Marker("two");
        await _storage.WriteStateAsync(TypeName, id, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(TypeName, id, stale));
    }

    [Fact]
    public async Task WriteWithoutAnETagOverAStoredStateIsRejected()
    {
        var id = NewId();
        await _storage.WriteStateAsync(TypeName, id, new GrainState<ClusterMarker>(Marker("first")));

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(TypeName, id, new GrainState<ClusterMarker>(Marker("second"))));
    }

    [Fact]
    public async Task ClearedStateReadsAsAbsentAndTakesTheNextWrite()
    {
        var id = NewId();
        var state = new GrainState<ClusterMarker>(Marker("one"));
        await _storage.WriteStateAsync(TypeName, id, state);
        await _storage.ClearStateAsync(TypeName, id, state);

        var read = new GrainState<ClusterMarker>();
        await _storage.ReadStateAsync(TypeName, id, read);
        var existed = read.RecordExists;
        read.State = Marker("again");
        await _storage.WriteStateAsync(TypeName, id, read);

        Assert.Equal((false, "again"), (existed, await TextAsync(id)));
    }

    [Fact]
    public async Task StaleClearIsRejected()
    {
        var id = NewId();
        var state = new GrainState<ClusterMarker>(Marker("one"));
        await _storage.WriteStateAsync(TypeName, id, state);
        var stale = new GrainState<ClusterMarker>(state.State) { ETag = state.ETag, RecordExists = true };
        await _storage.WriteStateAsync(TypeName, id, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(TypeName, id, stale));
    }

    /// <summary>A state of a type the node's serializer allows; its cluster id stands for the content.</summary>
    private static ClusterMarker Marker(string content) => new() { ClusterId = content, Generation = Guid.NewGuid(), CreatedAt = DateTimeOffset.UnixEpoch };

    private static GrainId NewId() => GrainId.Create(TypeName, Guid.NewGuid().ToString("N"));

    private async Task<string?> TextAsync(GrainId id)
    {
        var read = new GrainState<ClusterMarker>();
        await _storage.ReadStateAsync(TypeName, id, read);
        return read.State?.ClusterId;
    }

    /// <summary>A PostgreSQL server and one node on it, for the class.</summary>
    public sealed class Node : IAsyncLifetime
    {
        private readonly string _data = Directory.CreateTempSubdirectory("stoke-pg-storage-").FullName;
        private PostgresServer _postgres = null!;
        private IHost _host = null!;

        public IGrainStorage Storage { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _postgres = await PostgresServer.StartAsync();
            _host = StokeHost.Create(new StokeHostSettings
            {
                Url = "http://127.0.0.1:0",
                DataDirectory = _data,
                Postgres = _postgres.ConnectionString,
                ClusterId = "pg-storage",
                SiloPort = FreePorts.Next(),
                GatewayPort = FreePorts.Next(),
            });
            await _host.StartAsync();
            Storage = _host.Services.GetRequiredKeyedService<IGrainStorage>(StokeStorage.Name);
        }

        public async Task DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
            await _postgres.DisposeAsync();
            Directory.Delete(_data, recursive: true);
        }
    }
}
