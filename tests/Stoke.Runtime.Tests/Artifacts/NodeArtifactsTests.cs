using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Metrics;

namespace Stoke.Runtime.Tests.Artifacts;

/// <summary>The order of the tiers and what a cold start does with a bad source, with in-process fake peers.</summary>
public sealed class NodeArtifactsTests : IAsyncLifetime
{
    private readonly ScratchFolder _folder = new();
    private readonly FakeTimeProvider _time = new();
    private readonly (ArtifactRef Ref, byte[] Bytes) _model = TestArtifacts.Make(7, 300_000);

    private readonly List<NodeArtifacts> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Background disk writes end before their folder goes.
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task FetchesFromAPeerWhenNoTierOfItsOwnHoldsTheArtifact()
    {
        var node = Node(new ServingArtifactPeers(ArtifactTier.Memory, _model.Bytes));

        var (bytes, tier) = await node.FetchAsync(_model.Ref, CancellationToken.None);

        Assert.Equal(ArtifactTier.Peer, tier);
        Assert.Equal(_model.Bytes, bytes);
    }

    [Fact]
    public async Task KeepsAPeersCopyInMemoryAndOnDisk()
    {
        var node = Node(new ServingArtifactPeers(ArtifactTier.Memory, _model.Bytes));

        await node.FetchAsync(_model.Ref, CancellationToken.None);
        await node.WhenStoredAsync();

        Assert.True(node.Memory.Contains(_model.Ref.Sha256));
        Assert.True(node.Disk.Contains(_model.Ref.Sha256));
    }

    [Fact]
    public async Task ReadsItsOwnDiskTierBeforeAskingPeers()
    {
        var peers = new ServingArtifactPeers(ArtifactTier.Memory, _model.Bytes);
        var node = Node(peers, o => o.MemoryTierBytes = 0);
        await node.Disk.PutAsync(_model.Ref.Sha256, _model.Bytes, CancellationToken.None);

        var (_, tier) = await node.FetchAsync(_model.Ref, CancellationToken.None);

        Assert.Equal(ArtifactTier.Disk, tier);
        Assert.Equal(0, peers.Finds);
    }

    [Fact]
    public async Task PrefersItsOwnRepositoryToAPeersRepository()
    {
        var peers = new ServingArtifactPeers(ArtifactTier.Repository, _model.Bytes);
        var node = Node(peers);
        await node.Repository.PutAsync(_model.Bytes, _model.Ref.FileName, CancellationToken.None);

        var (_, tier) = await node.FetchAsync(_model.Ref, CancellationToken.None);

        Assert.Equal(ArtifactTier.Repository, tier);
        Assert.Equal(0, peers.Reads);
    }

    [Fact]
    public async Task FetchesFromAPeersRepositoryWhenItsOwnLacksTheArtifact()
    {
        var node = Node(new ServingArtifactPeers(ArtifactTier.Repository, _model.Bytes));

        var (_, tier) = await node.FetchAsync(_model.Ref, CancellationToken.None);

        Assert.Equal(ArtifactTier.Peer, tier);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task RefusesAPeerCopyOfTheWrongSize(int extraBytes)
    {
        var wrong = new byte[_model.Bytes.Length + extraBytes];
        _model.Bytes.AsSpan(0, Math.Min(wrong.Length, _model.Bytes.Length)).CopyTo(wrong);
        var node = Node(new ServingArtifactPeers(ArtifactTier.Memory, wrong));
        await node.Repository.PutAsync(_model.Bytes, _model.Ref.FileName, CancellationToken.None);

        var (bytes, tier) = await node.FetchAsync(_model.Ref, CancellationToken.None);

        Assert.Equal(ArtifactTier.Repository, tier);
        Assert.Equal(_model.Bytes, bytes);
    }

    [Fact]
    public async Task GivesUpOnAPeerThatStopsSendingAfterItsReadTimeout()
    {
        var peers = new StallingArtifactPeers(_model.Bytes);
        var node = Node(peers, o => o.PeerReadTimeout = TimeSpan.FromSeconds(5));
        await node.Repository.PutAsync(_model.Bytes, _model.Ref.FileName, CancellationToken.None);

        var fetch = node.FetchAsync(_model.Ref, CancellationToken.None);
        await peers.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(5));
        var (_, tier) = await fetch.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ArtifactTier.Repository, tier);
    }

    [Fact]
    public async Task FetchesACorruptDiskFileAgainAndReplacesIt()
    {
        var node = Node(new ServingArtifactPeers(ArtifactTier.Memory, _model.Bytes), o => o.MemoryTierBytes = 0);
        await node.Disk.PutAsync(_model.Ref.Sha256, _model.Bytes, CancellationToken.None);
        var corrupt = _model.Bytes.ToArray();
        corrupt[1000] ^= 0x01;
        await File.WriteAllBytesAsync(node.Disk.PathFor(_model.Ref.Sha256), corrupt);

        var (_, tier) = await node.FetchAsync(_model.Ref, CancellationToken.None);
        await node.WhenStoredAsync();

        Assert.Equal(ArtifactTier.Peer, tier);
        Assert.Equal(_model.Bytes, await File.ReadAllBytesAsync(node.Disk.PathFor(_model.Ref.Sha256)));
    }

    [Fact]
    public async Task NoSourceHoldingTheArtifactFailsTheStartNamingIt()
    {
        var node = Node(new ServingArtifactPeers(ArtifactTier.Memory, _model.Bytes), o => o.PeerFetch = false);

        var error = await Assert.ThrowsAsync<StokeException>(() => node.FetchAsync(_model.Ref, CancellationToken.None));

        Assert.Contains(_model.Ref.Sha256, error.Message);
    }

    private NodeArtifacts Node(IArtifactPeers peers, Action<StokeNodeOptions>? configure = null)
    {
        var options = new StokeNodeOptions { DataDirectory = _folder.Path };
        configure?.Invoke(options);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var node = new NodeArtifacts(Options.Create(options), peers, _time, new RuntimeMetrics(meters), NullLoggerFactory.Instance);
        _nodes.Add(node);
        return node;
    }

    /// <summary>One peer that holds the artifact in <paramref name="tier"/> and sends <paramref name="bytes"/> in 64 KiB chunks.</summary>
    private sealed class ServingArtifactPeers(string tier, byte[] bytes) : IArtifactPeers
    {
        public int Finds { get; private set; }

        public int Reads { get; private set; }

        public Task<IReadOnlyList<ArtifactPeer>> FindAsync(ArtifactRef artifact, CancellationToken cancellationToken)
        {
            Finds++;
            return Task.FromResult<IReadOnlyList<ArtifactPeer>>([new ArtifactPeer("peer-a", tier)]);
        }

        public async IAsyncEnumerable<byte[]> ReadAsync(ArtifactPeer peer, ArtifactRef artifact, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Reads++;
            await Task.Yield();
            for (var offset = 0; offset < bytes.Length; offset += 64 << 10)
            {
                yield return bytes[offset..Math.Min(bytes.Length, offset + (64 << 10))];
            }
        }
    }

    /// <summary>A peer that sends one chunk and then nothing, until the reader gives up; <see cref="Stalled"/> says it is waiting.</summary>
    private sealed class StallingArtifactPeers(byte[] bytes) : IArtifactPeers
    {
        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<ArtifactPeer>> FindAsync(ArtifactRef artifact, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<ArtifactPeer>>([new ArtifactPeer("peer-a", ArtifactTier.Memory)]);

        public async IAsyncEnumerable<byte[]> ReadAsync(ArtifactPeer peer, ArtifactRef artifact, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return bytes[..(64 << 10)];
            Stalled.TrySetResult();
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        }
    }
}
