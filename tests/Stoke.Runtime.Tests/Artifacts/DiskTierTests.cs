using Microsoft.Extensions.Time.Testing;
using Stoke.Runtime.Artifacts;

namespace Stoke.Runtime.Tests.Artifacts;

/// <summary>The disk tier on a real folder; a fake clock orders the uses (the file times are set from it).</summary>
public sealed class DiskTierTests : IDisposable
{
    private readonly ScratchFolder _folder = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task StaysWithinItsBudget()
    {
        var tier = new DiskTier(_folder.Path, 250, _time);
        for (var i = 0; i < 5; i++)
        {
            var (artifact, bytes) = TestArtifacts.Make(i, 100);
            await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(200, Directory.GetFiles(_folder.Path).Sum(f => new FileInfo(f).Length));
    }

    [Fact]
    public async Task EvictsTheLeastRecentlyUsedFirst()
    {
        var tier = new DiskTier(_folder.Path, 300, _time);
        var a = TestArtifacts.Make(1, 100);
        var b = TestArtifacts.Make(2, 100);
        var c = TestArtifacts.Make(3, 100);
        await PutAsync(tier, a);
        await PutAsync(tier, b);
        await PutAsync(tier, c);
        await tier.TryGetAsync(a.Ref, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));

        await PutAsync(tier, TestArtifacts.Make(4, 100));

        Assert.False(tier.Contains(b.Ref.Sha256));
        Assert.True(tier.Contains(a.Ref.Sha256));
    }

    [Fact]
    public async Task RefusesAnArtifactLargerThanTheTier()
    {
        var tier = new DiskTier(_folder.Path, 100, _time);
        var (artifact, bytes) = TestArtifacts.Make(1, 101);

        var stored = await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);

        Assert.False(stored);
        Assert.Equal(0, tier.UsedBytes);
    }

    [Fact]
    public async Task ReadsBackWhatItStored()
    {
        var tier = new DiskTier(_folder.Path, 1000, _time);
        var (artifact, bytes) = TestArtifacts.Make(1, 500);
        await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);

        var read = await tier.TryGetAsync(artifact, CancellationToken.None);

        Assert.Equal(bytes, read.Bytes);
    }

    [Fact]
    public async Task WritesLeaveOnlyTheFinishedFile()
    {
        var tier = new DiskTier(_folder.Path, 1000, _time);
        var (artifact, bytes) = TestArtifacts.Make(1, 500);

        await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);

        Assert.Equal([artifact.Sha256 + ".bin"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task SurvivesARestart()
    {
        var (artifact, bytes) = TestArtifacts.Make(1, 500);
        await new DiskTier(_folder.Path, 1000, _time).PutAsync(artifact.Sha256, bytes, CancellationToken.None);

        var reopened = new DiskTier(_folder.Path, 1000, _time);
        var read = await reopened.TryGetAsync(artifact, CancellationToken.None);

        Assert.Equal(bytes, read.Bytes);
        Assert.Equal(500, reopened.UsedBytes);
    }

    [Fact]
    public async Task KeepsTheOrderOfUseAcrossARestart()
    {
        var tier = new DiskTier(_folder.Path, 300, _time);
        var a = TestArtifacts.Make(1, 100);
        var b = TestArtifacts.Make(2, 100);
        var c = TestArtifacts.Make(3, 100);
        await PutAsync(tier, a);
        await PutAsync(tier, b);
        await PutAsync(tier, c);
        await tier.TryGetAsync(a.Ref, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));

        var reopened = new DiskTier(_folder.Path, 300, _time);
        await PutAsync(reopened, TestArtifacts.Make(4, 100));

        Assert.False(reopened.Contains(b.Ref.Sha256));
        Assert.True(reopened.Contains(a.Ref.Sha256));
    }

    [Fact]
    public async Task ASmallerBudgetAfterARestartEvictsTheOldest()
    {
        var tier = new DiskTier(_folder.Path, 300, _time);
        var a = TestArtifacts.Make(1, 100);
        var b = TestArtifacts.Make(2, 100);
        await PutAsync(tier, a);
        await PutAsync(tier, b);

        var reopened = new DiskTier(_folder.Path, 150, _time);

        Assert.Equal([b.Ref.Sha256], reopened.Contents());
        Assert.False(File.Exists(reopened.PathFor(a.Ref.Sha256)));
    }

    [Fact]
    public async Task AnUnfinishedWriteIsCleanedUpOnRestart()
    {
        var (artifact, bytes) = TestArtifacts.Make(1, 500);
        Directory.CreateDirectory(_folder.Path);
        var leftover = Path.Combine(_folder.Path, artifact.Sha256 + ".0123.tmp");
        await File.WriteAllBytesAsync(leftover, bytes[..100]);

        var tier = new DiskTier(_folder.Path, 1000, _time);

        Assert.False(File.Exists(leftover));
        Assert.Empty(tier.Contents());
    }

    [Fact]
    public async Task ACorruptFileIsReportedAndDeleted()
    {
        var tier = new DiskTier(_folder.Path, 1000, _time);
        var (artifact, bytes) = TestArtifacts.Make(1, 500);
        await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);
        var corrupt = bytes.ToArray();
        corrupt[250] ^= 0xFF;
        await File.WriteAllBytesAsync(tier.PathFor(artifact.Sha256), corrupt);

        var read = await tier.TryGetAsync(artifact, CancellationToken.None);

        Assert.True(read.WasCorrupt);
        Assert.Null(read.Bytes);
        Assert.False(File.Exists(tier.PathFor(artifact.Sha256)));
    }

    [Fact]
    public async Task ATruncatedFileIsCorrupt()
    {
        var tier = new DiskTier(_folder.Path, 1000, _time);
        var (artifact, bytes) = TestArtifacts.Make(1, 500);
        await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);
        await File.WriteAllBytesAsync(tier.PathFor(artifact.Sha256), bytes[..499]);

        var read = await tier.TryGetAsync(artifact, CancellationToken.None);

        Assert.True(read.WasCorrupt);
    }

    [Fact]
    public async Task AZeroBudgetTurnsTheTierOff()
    {
        var tier = new DiskTier(_folder.Path, 0, _time);
        var (artifact, bytes) = TestArtifacts.Make(1, 1);

        await tier.PutAsync(artifact.Sha256, bytes, CancellationToken.None);

        Assert.False(Directory.Exists(_folder.Path));
    }

    private async Task PutAsync(DiskTier tier, (Abstractions.Functions.ArtifactRef Ref, byte[] Bytes) artifact)
    {
        Assert.True(await tier.PutAsync(artifact.Ref.Sha256, artifact.Bytes, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
    }
}
