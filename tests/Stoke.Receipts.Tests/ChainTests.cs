using Stoke.Receipts.Signing;
using Stoke.Receipts.Verification;

namespace Stoke.Receipts.Tests;

public sealed class ChainTests
{
    private static (List<string> Chain, ReceiptPublicKey Key) FiveReceipts()
    {
        using var book = ReceiptFixtures.Book();
        return (ReceiptFixtures.Issue(book, 5), ReceiptPublicKey.Parse(book.PublicKey));
    }

    [Fact]
    public void IntactChainVerifies()
    {
        var (chain, key) = FiveReceipts();
        var check = ChainVerifier.Verify(chain, key);
        Assert.True(check.Valid, check.Problem);
        Assert.Equal(5, check.Checked);
    }

    [Fact]
    public void DroppedRecordIsFoundAtItsGap()
    {
        var (chain, key) = FiveReceipts();
        chain.RemoveAt(2);

        var check = ChainVerifier.Verify(chain, key);

        Assert.Equal("dropped", check.Kind);
        Assert.Contains("sequence 2 is followed by 4", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DroppedFirstRecordOfAWholeChainIsFound()
    {
        var (chain, key) = FiveReceipts();
        // A run that starts at sequence 2 is a legal window; one that claims to be complete is checked from sequence 1.
        chain[0] = chain[1];
        chain.RemoveAt(1);
        Assert.True(ChainVerifier.Verify(chain, key).Valid);

        using var book = ReceiptFixtures.Book();
        var fresh = ReceiptFixtures.Issue(book, 3);
        var mixed = new List<string> { fresh[0], fresh[2] };
        Assert.Equal("dropped", ChainVerifier.Verify(mixed, ReceiptPublicKey.Parse(book.PublicKey)).Kind);
    }

    [Fact]
    public void ReorderedRecordsAreFound()
    {
        var (chain, key) = FiveReceipts();
        (chain[1], chain[2]) = (chain[2], chain[1]);

        var check = ChainVerifier.Verify(chain, key);

        Assert.Equal("reordered", check.Kind);
        Assert.Contains("sequence 2 comes after sequence 3", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AlteredRecordIsFound()
    {
        var (chain, key) = FiveReceipts();
        chain[3] = ReceiptFixtures.Altered(chain[3], 20);

        var check = ChainVerifier.Verify(chain, key);

        Assert.Equal("altered", check.Kind);
        Assert.Contains("Record 4", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ChainSignedByAnotherKeyFails()
    {
        var (chain, _) = FiveReceipts();
        using var other = ReceiptFixtures.Book();
        Assert.Equal("altered", ChainVerifier.Verify(chain, ReceiptPublicKey.Parse(other.PublicKey)).Kind);
    }

    [Fact]
    public void RecordFromAnotherTenantsChainIsFound()
    {
        using var book = ReceiptFixtures.Book();
        var a = ReceiptFixtures.Issue(book, 3, "a");
        var b = ReceiptFixtures.Issue(book, 3, "b");

        var check = ChainVerifier.Verify([a[0], b[1], a[2]], ReceiptPublicKey.Parse(book.PublicKey));

        Assert.Equal("mixed", check.Kind);
    }
}
