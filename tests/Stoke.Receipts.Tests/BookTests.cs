using Stoke.Receipts.Signing;
using Stoke.Receipts.Verification;

namespace Stoke.Receipts.Tests;

public sealed class BookTests : IDisposable
{
    private readonly string _directory = ReceiptFixtures.TempDirectory();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void ChainAndKeySurviveARestart()
    {
        List<string> before;
        string key;
        using (var book = ReceiptFixtures.Book(_directory))
        {
            before = ReceiptFixtures.Issue(book, 3);
            key = book.PublicKey;
        }

        using var restarted = ReceiptFixtures.Book(_directory);
        var after = ReceiptFixtures.Issue(restarted, 2);

        Assert.Equal(key, restarted.PublicKey);
        Assert.Equal(4, ReceiptFixtures.Decode(after[0]).Receipt.Sequence);
        Assert.True(ChainVerifier.Verify([.. before, .. after], ReceiptPublicKey.Parse(key)).Valid);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void KeyFileIsOwnerOnly()
    {
        using var book = ReceiptFixtures.Book(_directory);
        var mode = File.GetUnixFileMode(Path.Combine(_directory, NodeKey.FileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void KeyReadableByOthersIsRefused()
    {
        using (ReceiptFixtures.Book(_directory))
        {
        }

        File.SetUnixFileMode(Path.Combine(_directory, NodeKey.FileName), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var error = Assert.Throws<InvalidDataException>(() => ReceiptFixtures.Book(_directory));
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TornLastRecordIsDroppedAndTheChainContinuesFromTheLastWholeOne()
    {
        using (var book = ReceiptFixtures.Book(_directory))
        {
            ReceiptFixtures.Issue(book, 2);
        }

        File.AppendAllText(Path.Combine(_directory, "chains", "acme.chain"), "\0\0\u0001\u0000half");
        using var restarted = ReceiptFixtures.Book(_directory);
        var next = ReceiptFixtures.Issue(restarted, 1);

        Assert.Equal(3, ReceiptFixtures.Decode(next[0]).Receipt.Sequence);
        Assert.True(ChainVerifier.Verify([.. restarted.Page("acme", 0, 10).Select(r => r.ToBase64Url())], ReceiptPublicKey.Parse(restarted.PublicKey)).Valid);
    }

    [Fact]
    public void ARecordAlteredOnDiskIsNotTrustedAtLoadAndTheChainContinuesFromTheOneBefore()
    {
        List<string> issued;
        using (var book = ReceiptFixtures.Book(_directory))
        {
            issued = ReceiptFixtures.Issue(book, 3);
        }

        // One byte inside the second record's body (after its 4-byte length), its signature left as it was.
        var path = Path.Combine(_directory, "chains", "acme.chain");
        var bytes = File.ReadAllBytes(path);
        var first = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes);
        bytes[4 + first + 4 + 40] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var problems = new List<string>();
        using var restarted = ReceiptFixtures.Book(_directory, rejected: problems.Add);
        var next = ReceiptFixtures.Issue(restarted, 1);

        var problem = Assert.Single(problems);
        Assert.Contains("tenant 'acme' is not trusted past 1 record(s)", problem, StringComparison.Ordinal);
        Assert.Contains("sequence 2 is not signed by this node's key", problem, StringComparison.Ordinal);
        Assert.Equal([1L], restarted.Page("acme", 0, 10).SkipLast(1).Select(r => r.Receipt.Sequence));
        Assert.Single(Directory.GetFiles(Path.Combine(_directory, "chains"), "acme.chain.rejected-*"));
        // The new receipt links to the last trusted one: the first record and it verify as one chain.
        Assert.Equal(2, ReceiptFixtures.Decode(next[0]).Receipt.Sequence);
        Assert.True(ChainVerifier.Verify([issued[0], next[0]], ReceiptPublicKey.Parse(restarted.PublicKey)).Valid);
    }

    [Fact]
    public void AChainSignedByAnotherKeyIsSetAsideAndANewOneStarts()
    {
        using (var book = ReceiptFixtures.Book(_directory))
        {
            ReceiptFixtures.Issue(book, 2);
        }

        // The key replaced (restored from elsewhere, or a new node's key over an old data folder).
        File.Delete(Path.Combine(_directory, NodeKey.FileName));
        var problems = new List<string>();
        using var restarted = ReceiptFixtures.Book(_directory, rejected: problems.Add);

        Assert.Equal(1, ReceiptFixtures.Decode(ReceiptFixtures.Issue(restarted, 1)[0]).Receipt.Sequence);
        Assert.Contains("not trusted past 0 record(s)", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUndecodableRecordBeforeTheEndIsSetAsideNotSilentlyCut()
    {
        using (var book = ReceiptFixtures.Book(_directory))
        {
            ReceiptFixtures.Issue(book, 2);
        }

        var path = Path.Combine(_directory, "chains", "acme.chain");
        var bytes = File.ReadAllBytes(path);
        var first = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes);
        bytes.AsSpan(4 + first, 4).Clear(); // the second record's length becomes 0
        File.WriteAllBytes(path, bytes);

        var problems = new List<string>();
        using var restarted = ReceiptFixtures.Book(_directory, rejected: problems.Add);

        Assert.Equal(2, ReceiptFixtures.Decode(ReceiptFixtures.Issue(restarted, 1)[0]).Receipt.Sequence);
        Assert.Contains("is not a receipt record", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_directory, "chains"), "acme.chain.rejected-*"));
    }

    [Fact]
    public void KeepsTheLastRetainedReceiptsAcrossCompactionAndRestart()
    {
        using (var book = ReceiptFixtures.Book(_directory, retained: 3))
        {
            ReceiptFixtures.Issue(book, 10);
            Assert.Equal([8L, 9, 10], book.Page("acme", 0, 100).Select(r => r.Receipt.Sequence));
        }

        using var restarted = ReceiptFixtures.Book(_directory, retained: 3);
        Assert.Equal([8L, 9, 10], restarted.Page("acme", 0, 100).Select(r => r.Receipt.Sequence));
        Assert.Equal(11, ReceiptFixtures.Decode(ReceiptFixtures.Issue(restarted, 1)[0]).Receipt.Sequence);
    }

    [Fact]
    public void PagesAfterASequence()
    {
        using var book = ReceiptFixtures.Book();
        ReceiptFixtures.Issue(book, 6);
        Assert.Equal([3L, 4], book.Page("acme", 2, 2).Select(r => r.Receipt.Sequence));
    }

    [Fact]
    public void TenantsHaveSeparateChains()
    {
        using var book = ReceiptFixtures.Book();
        ReceiptFixtures.Issue(book, 2, "a");
        Assert.Empty(book.Page("b", 0, 10));
        Assert.Equal(1, ReceiptFixtures.Decode(ReceiptFixtures.Issue(book, 1, "b")[0]).Receipt.Sequence);
    }

    [Fact]
    public async Task ConcurrentRequestsGetOneUnbrokenChainPerTenant()
    {
        using var book = ReceiptFixtures.Book(_directory, retained: 1000);
        var start = new TaskCompletionSource();
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < 50; i++)
            {
                book.Issue(ReceiptFixtures.Subject(w % 2 == 0 ? "a" : "b", request: $"{w}/{i}"));
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(workers);

        var key = ReceiptPublicKey.Parse(book.PublicKey);
        foreach (var tenant in new[] { "a", "b" })
        {
            var chain = book.Page(tenant, 0, 1000).Select(r => r.ToBase64Url()).ToList();
            Assert.Equal(200, chain.Count);
            var check = ChainVerifier.Verify(chain, key);
            Assert.True(check.Valid, check.Problem);
        }
    }

    [Fact]
    public void RetainedOutsideItsBoundsIsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ReceiptFixtures.Book(retained: 0));
        Assert.Contains("Stoke:Receipts:Retained", error.Message, StringComparison.Ordinal);
    }
}
