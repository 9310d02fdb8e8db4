using System.Buffers.Binary;
using System.Text;
using Stoke.Receipts.Format;

namespace Stoke.Receipts.Tests;

public sealed class EncodingTests
{
    private static Receipt Sample() => new()
    {
        Tenant = "acme",
        Sequence = 7,
        Previous = Enumerable.Repeat((byte)0x11, 32).ToArray(),
        Function = "cls",
        FunctionVersion = 3,
        ArtifactSha256 = "ab",
        RequestSha256 = Enumerable.Repeat((byte)0x22, 32).ToArray(),
        ResponseSha256 = Enumerable.Repeat((byte)0x33, 32).ToArray(),
        UsageSha256 = Enumerable.Repeat((byte)0x44, 32).ToArray(),
        Node = "n1",
        IssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123),
    };

    [Fact]
    public void EncodingIsTheDocumentedLayout()
    {
        var expected = new List<byte>();
        expected.AddRange("STKR"u8.ToArray());
        expected.Add(1);
        void Str(string s) { expected.AddRange(new byte[] { 0, (byte)Encoding.UTF8.GetByteCount(s) }); expected.AddRange(Encoding.UTF8.GetBytes(s)); }
        void I64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); expected.AddRange(b); }
        Str("acme");
        I64(7);
        expected.AddRange(Enumerable.Repeat((byte)0x11, 32));
        Str("cls");
        expected.AddRange(new byte[] { 0, 0, 0, 3 });
        Str("ab");
        expected.AddRange(Enumerable.Repeat((byte)0x22, 32));
        expected.AddRange(Enumerable.Repeat((byte)0x33, 32));
        expected.AddRange(Enumerable.Repeat((byte)0x44, 32));
        Str("n1");
        I64(1_700_000_000_123);

        Assert.Equal(Convert.ToHexString([.. expected]), Convert.ToHexString(ReceiptEncoding.Encode(Sample())));
    }

    [Fact]
    public void DecodeReadsBackEveryField()
    {
        var receipt = Sample();
        var signed = ReceiptEncoding.Decode([.. ReceiptEncoding.Encode(receipt), .. new byte[64]]);

        Assert.Equal(receipt with { Previous = signed.Receipt.Previous, RequestSha256 = signed.Receipt.RequestSha256, ResponseSha256 = signed.Receipt.ResponseSha256, UsageSha256 = signed.Receipt.UsageSha256 }, signed.Receipt);
        Assert.Equal(receipt.Previous, signed.Receipt.Previous);
        Assert.Equal(receipt.RequestSha256, signed.Receipt.RequestSha256);
        Assert.Equal(receipt.ResponseSha256, signed.Receipt.ResponseSha256);
        Assert.Equal(receipt.UsageSha256, signed.Receipt.UsageSha256);
    }

    [Theory]
    [InlineData("not base64url!", "base64url")]
    [InlineData("AAAA", "STKR")]
    public void GarbageIsAClearFormatError(string text, string named)
    {
        var error = Assert.Throws<FormatException>(() => ReceiptEncoding.FromBase64Url(text));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingBytesAreRefused()
    {
        var body = ReceiptEncoding.Encode(Sample());
        var error = Assert.Throws<FormatException>(() => ReceiptEncoding.Decode([.. body, 0x00, .. new byte[64]]));
        Assert.Contains("trailing", error.Message, StringComparison.Ordinal);
    }

    // A field added to UsageRecord must be added to UsageDigest (and docs/receipts.md), or receipts would not cover it.
    [Fact]
    public void UsageDigestEncodesEveryFieldOfTheUsageRecord()
    {
        string[] encoded = ["Tenant", "Function", "Version", "Node", "RequestId", "Timestamp", "QueueMs", "ColdStartMs", "ColdStartTier", "ComputeMs", "MemoryMbSeconds", "BatchSize", "InputTokens", "OutputTokens", "Succeeded", "Cost", "EnergyJoules"];
        var declared = typeof(Stoke.Abstractions.Usage.UsageRecord).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Where(n => n != "EqualityContract");
        Assert.Equal(encoded.Order(), declared.Order());
    }

    [Fact]
    public void UsageDigestChangesWithAnyMeteredField()
    {
        var base_ = UsageDigest.Hash([ReceiptFixtures.Usage()]);
        Assert.Equal(base_, UsageDigest.Hash([ReceiptFixtures.Usage()]));
        Assert.NotEqual(base_, UsageDigest.Hash([ReceiptFixtures.Usage(outputTokens: 1)]));
        Assert.NotEqual(base_, UsageDigest.Hash([ReceiptFixtures.Usage() with { Cost = 0.0002m }]));
        Assert.NotEqual(base_, UsageDigest.Hash([ReceiptFixtures.Usage() with { EnergyJoules = 0.5 }]));
        Assert.NotEqual(base_, UsageDigest.Hash([ReceiptFixtures.Usage(), ReceiptFixtures.Usage()]));
    }
}
