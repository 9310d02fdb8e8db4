using Stoke.Abstractions.Usage;

namespace Stoke.Receipts;

/// <summary>What a gateway hands the receipt book for one answered request: the exact bodies, the function, the usage.</summary>
/// <param name="Request">The request body as the client sent it.</param>
/// <param name="Response">The response body as it is about to be sent.</param>
/// <param name="Usage">The request's usage records (one per generated choice; usually one).</param>
public readonly record struct ReceiptSubject(
    string Tenant,
    string Function,
    int FunctionVersion,
    string ArtifactSha256,
    ReadOnlyMemory<byte> Request,
    ReadOnlyMemory<byte> Response,
    IReadOnlyList<UsageRecord> Usage);
