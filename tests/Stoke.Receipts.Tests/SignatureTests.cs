using System.Text;
using Stoke.Receipts.Signing;
using Stoke.Receipts.Verification;

namespace Stoke.Receipts.Tests;

public sealed class SignatureTests
{
    [Fact]
    public void IssuedReceiptVerifiesWithTheNodesKeyAndBodies()
    {
        using var book = ReceiptFixtures.Book();
        var receipt = book.Issue(ReceiptFixtures.Subject(request: "req", response: "resp")).ToBase64Url();

        var check = ReceiptVerifier.Verify(receipt, ReceiptPublicKey.Parse(book.PublicKey), "req"u8, "resp"u8, checkBodies: true);

        Assert.True(check.Valid, check.Problem);
        Assert.Equal("acme", check.Receipt!.Receipt.Tenant);
        Assert.Equal(1, check.Receipt.Receipt.Sequence);
    }

    [Fact]
    public void AlteredFieldFailsTheSignature()
    {
        using var book = ReceiptFixtures.Book();
        var receipt = book.Issue(ReceiptFixtures.Subject()).ToBase64Url();

        // Offset 7 is the tenant's first byte ("acme" -> "bcme").
        var check = ReceiptVerifier.Verify(ReceiptFixtures.Altered(receipt, 7), ReceiptPublicKey.Parse(book.PublicKey));

        Assert.False(check.Valid);
        Assert.Contains("fails its signature", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherNodesKeyFailsTheSignature()
    {
        using var book = ReceiptFixtures.Book();
        using var other = ReceiptFixtures.Book();
        var receipt = book.Issue(ReceiptFixtures.Subject()).ToBase64Url();

        Assert.False(ReceiptVerifier.Verify(receipt, ReceiptPublicKey.Parse(other.PublicKey)).Valid);
    }

    [Fact]
    public void DifferentResponseBodyFailsTheBodyCheck()
    {
        using var book = ReceiptFixtures.Book();
        var receipt = book.Issue(ReceiptFixtures.Subject(request: "req", response: "resp")).ToBase64Url();

        var check = ReceiptVerifier.Verify(receipt, ReceiptPublicKey.Parse(book.PublicKey), "req"u8, Encoding.UTF8.GetBytes("resp "), checkBodies: true);

        Assert.False(check.Valid);
        Assert.Contains("response body", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedPublicKeyIsAClearError()
    {
        var error = Assert.Throws<FormatException>(() => ReceiptPublicKey.Parse("AAAA"));
        Assert.Contains("32 bytes", error.Message, StringComparison.Ordinal);
    }
}
