using System.Text;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Usage;
using Stoke.Receipts.Format;

namespace Stoke.Receipts.Tests;

internal static class ReceiptFixtures
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static UsageRecord Usage(string tenant = "acme", long outputTokens = 0) => new()
    {
        Tenant = tenant,
        Function = "cls",
        Version = 2,
        Node = "127.0.0.1:11111@1",
        RequestId = "r-1",
        Timestamp = Start,
        QueueMs = 0.25,
        ComputeMs = 1.5,
        BatchSize = 1,
        OutputTokens = outputTokens,
        Cost = 0.0001m,
    };

    public static ReceiptSubject Subject(string tenant = "acme", string request = "{\"inputs\":[]}", string response = "{\"outputs\":[]}") =>
        new(tenant, "cls", 2, new string('a', 64), Encoding.UTF8.GetBytes(request), Encoding.UTF8.GetBytes(response), [Usage(tenant)]);

    public static ReceiptBook Book(string? directory = null, int retained = 100, Action<string>? rejected = null) =>
        new(directory, "127.0.0.1:11111@1", retained, new FakeTimeProvider(Start), rejected);

    public static List<string> Issue(ReceiptBook book, int count, string tenant = "acme") =>
        [.. Enumerable.Range(0, count).Select(i => book.Issue(Subject(tenant, request: $"{{\"n\":{i}}}")).ToBase64Url())];

    public static string TempDirectory() => Path.Combine(Path.GetTempPath(), "stoke-receipts-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The same receipt with one byte of its body changed and its old signature kept.</summary>
    public static string Altered(string receipt, int bodyOffset)
    {
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(receipt);
        bytes[bodyOffset] ^= 0x01;
        return System.Buffers.Text.Base64Url.EncodeToString(bytes);
    }

    public static SignedReceipt Decode(string receipt) => ReceiptEncoding.FromBase64Url(receipt);
}
